package io.weir.bench.compare;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the summary lines that Apache Kafka 4.3's perf tools print (their formats are in
 * {@code ProducerPerformance}, {@code ConsumerPerformance} and {@code EndToEndLatency} of
 * kafka-tools). A tool whose output has no summary failed: that throws, with the output.
 */
public final class PerfOutput {
    private PerfOutput() {
    }

    /** ProducerPerformance's final line. Latencies in ms. */
    public record Produce(long records, double recordsPerSec, double mbPerSec, double avgLatencyMs,
                          double maxLatencyMs, double p50Ms, double p95Ms, double p99Ms, double p999Ms) {
    }

    /** ConsumerPerformance's summary line: whole run, the group join, and fetching only. */
    public record Consume(double mb, double mbPerSec, long records, double recordsPerSec, long joinMs,
                          long fetchMs, double fetchMbPerSec, double fetchRecordsPerSec) {
    }

    /** EndToEndLatency's result: average and percentiles of produce-then-poll, in ms. */
    public record EndToEnd(double avgMs, double p50Ms, double p99Ms, double p999Ms) {
    }

    private static final String NUM = "([0-9]+(?:\\.[0-9]+)?)";
    private static final Pattern PRODUCE = Pattern.compile("^([0-9]+) records sent, " + NUM + " records/sec \\("
            + NUM + " MB/sec\\), " + NUM + " ms avg latency, " + NUM + " ms max latency, " + NUM + " ms 50th, "
            + NUM + " ms 95th, " + NUM + " ms 99th, " + NUM + " ms 99.9th\\.$");
    private static final Pattern AVG = Pattern.compile("^Avg latency: " + NUM + " ms$");
    private static final Pattern PERCENTILES = Pattern.compile(
            "^Percentiles: 50th = ([0-9]+), 99th = ([0-9]+), 99.9th = ([0-9]+)$");

    public static Produce produce(List<String> lines) {
        for (String line : lines) {
            Matcher m = PRODUCE.matcher(line.trim());
            if (m.matches()) {
                return new Produce(Long.parseLong(m.group(1)), d(m, 2), d(m, 3), d(m, 4), d(m, 5), d(m, 6), d(m, 7),
                        d(m, 8), d(m, 9));
            }
        }
        throw noSummary("ProducerPerformance", lines);
    }

    public static Consume consume(List<String> lines) {
        for (int i = 0; i < lines.size() - 1; i++) {
            if (!lines.get(i).startsWith("start.time, end.time,")) continue;
            String[] f = lines.get(i + 1).split(",\\s*");
            if (f.length != 10) break;
            try {
                return new Consume(Double.parseDouble(f[2]), Double.parseDouble(f[3]), Long.parseLong(f[4]),
                        Double.parseDouble(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]),
                        Double.parseDouble(f[8]), Double.parseDouble(f[9]));
            } catch (NumberFormatException e) {
                break;
            }
        }
        throw noSummary("ConsumerPerformance", lines);
    }

    public static EndToEnd endToEnd(List<String> lines) {
        Double avg = null;
        for (String line : lines) {
            Matcher a = AVG.matcher(line.trim());
            if (a.matches()) avg = Double.parseDouble(a.group(1));
            Matcher p = PERCENTILES.matcher(line.trim());
            if (p.matches() && avg != null) return new EndToEnd(avg, d(p, 1), d(p, 2), d(p, 3));
        }
        throw noSummary("EndToEndLatency", lines);
    }

    private static double d(Matcher m, int group) {
        return Double.parseDouble(m.group(group));
    }

    private static IllegalStateException noSummary(String tool, List<String> lines) {
        int from = Math.max(0, lines.size() - 20);
        return new IllegalStateException(tool + " printed no summary; its last lines:\n"
                + String.join("\n", lines.subList(from, lines.size())));
    }
}
