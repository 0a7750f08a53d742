package io.weir.bench.compare;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code weir bench compare}: Weir against Apache Kafka, 3 local nodes each, one system at a time,
 * alternating which goes first from round to round, driven by Kafka's own perf tools.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Run Apache Kafka 4.3.1 and Weir (3 local nodes each, one at a time) under Kafka's own perf tools "
                + "and write a Markdown table and PNG charts of both systems' figures.")
public final class CompareCommand implements Callable<Integer> {
    static final String WEIR = "Weir";
    static final String KAFKA = "Kafka";
    static final String APACHE_KAFKA_VERSION = "4.3.1";

    @Option(names = "--quick", description = "tiny workloads, 1 round: proves the harness works (a few minutes, most of it JVM and cluster start-up)")
    boolean quick;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds per system (default: ${DEFAULT-VALUE}); --quick runs 1")
    int rounds;

    // Below Linux's ephemeral range (32768-60999 by default): a client socket's local port there
    // could take a node's port between two rounds, and the cluster would not start.
    @Option(names = "--base-port", defaultValue = "28000",
            description = "Weir listens on P.., P+100.., P+200..; Kafka on P+500.., P+600..; keep below the"
                    + " ephemeral port range (default: ${DEFAULT-VALUE})")
    int basePort;

    @Option(names = "--dir", defaultValue = "/tmp/weir-bench-compare", description = "data and tool logs (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--out", description = "where compare.md, results.csv and the charts go (default: ROOT/docs/bench)")
    Path out;

    @Option(names = "--root", description = "the Weir source tree (default: found above the working directory)")
    Path root;

    @Option(names = "--records-100", description = "records per 100-byte produce workload (full: 200,000)")
    Integer records100;

    @Option(names = "--records-1k", description = "records per 1 KiB produce workload (full: 50,000)")
    Integer records1k;

    @Option(names = "--e2e-records", description = "records of the end-to-end latency run (full: 1,000)")
    Integer e2eRecords;

    @Option(names = "--warmup-records", description = "100-byte records written and read back before any figure is taken; 0 skips (full: 500,000)")
    Integer warmupRecords;

    @Option(names = "--many-partitions", description = "partitions of the big topic whose creation is timed; 0 skips (full: 10,000)")
    Integer manyPartitions;

    @Option(names = "--no-failovers", description = "skip the two kill -9 failovers (for runs that measure throughput only)")
    boolean noFailovers;

    @Option(names = "--weir-classpath", description = "classpath of Weir's cli and node (default: this JVM's)")
    String weirClasspath;

    @Option(names = "--keep-data", description = "keep each system's data and logs of its last round under --dir")
    boolean keepData;

    /** The 1-minute load average as each system's round began. */
    private final List<String> loads = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Path rootDir = root != null ? root : findRoot();
        Path outDir = out != null ? out : rootDir.resolve("docs/bench");
        Sizes base = quick ? Sizes.QUICK : Sizes.FULL;
        Sizes sizes = new Sizes(records100 != null ? records100 : base.records100(),
                records1k != null ? records1k : base.records1k(), e2eRecords != null ? e2eRecords : base.e2eRecords(),
                manyPartitions != null ? manyPartitions : base.manyPartitions(), base.failovers() && !noFailovers,
                warmupRecords != null ? warmupRecords : base.warmupRecords());
        int roundCount = quick ? 1 : rounds;
        String weirCp = weirClasspath != null ? weirClasspath : System.getProperty("java.class.path");
        String kafkaCp = KafkaClasspath.resolve(rootDir);
        Files.createDirectories(outDir);
        Path logs = dir.resolve("tool-logs");
        Files.createDirectories(logs);

        Instant started = Instant.now();
        String loadBefore = loadAverage();
        Results results = new Results();
        List<String> errors = new ArrayList<>();
        loads.clear();
        try (Children children = new Children();
             ProgressBar bar = new ProgressBarBuilder().setTaskName("bench compare").setInitialMax((long) roundCount * 2 * Round.steps())
                     .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(500).build()) {
            Jvm jvm = new Jvm(children);
            for (int r = 1; r <= roundCount; r++) {
                List<String> order = r % 2 == 1 ? List.of(WEIR, KAFKA) : List.of(KAFKA, WEIR);
                for (String system : order) {
                    long stepsAtStart = bar.getCurrent();
                    loads.add(system + " " + r + ": " + loadAverage().split(",")[0]);
                    bar.setExtraMessage(system + " round " + r);
                    Path systemDir = dir.resolve(WEIR.equals(system) ? "weir" : "kafka");
                    // Every round starts empty: with --keep-data the last round's data is still there
                    // (a restart over it would measure another thing, and read its stale pid files).
                    Dirs.deleteQuietly(systemDir);
                    LocalCluster cluster = WEIR.equals(system)
                            ? new WeirCluster(jvm, children, weirCp, systemDir, basePort)
                            : new KafkaCluster(jvm, children, kafkaCp, systemDir, basePort + 500, List.of("-Xmx1g"));
                    try {
                        new Round(cluster, sizes, jvm, kafkaCp, logs, results, bar::step, r, errors).run();
                    } catch (Exception e) {
                        errors.add(system + " round " + r + ": " + e);
                        Path kept = dir.resolve("failed").resolve(systemDir.getFileName() + "-round-" + r);
                        Dirs.copyLogs(systemDir, kept);
                        System.err.println(system + " round " + r + " failed: " + e + " (its logs: " + kept + ")");
                    } finally {
                        if (keepData) {
                            for (int id : cluster.nodeIds()) {
                                try {
                                    cluster.kill(id);
                                } catch (RuntimeException e) {
                                    // already gone
                                }
                            }
                        } else {
                            cluster.close();
                        }
                    }
                    bar.stepTo(stepsAtStart + Round.steps());
                    // After every system and round, so that an interrupted run still leaves what it measured.
                    write(outDir, results, errors, header(started, loadBefore, sizes, roundCount, rootDir,
                            system + " round " + r + " of " + roundCount));
                }
            }
        }
        write(outDir, results, errors, header(started, loadBefore, sizes, roundCount, rootDir, null));
        System.out.println("wrote " + outDir.resolve("compare.md") + (errors.isEmpty() ? "" : " with " + errors.size() + " failure(s)"));
        return errors.isEmpty() ? 0 : 1;
    }

    private static void write(Path outDir, Results results, List<String> errors, String header) throws IOException {
        Files.writeString(outDir.resolve("compare.md"), MarkdownReport.render(results, WEIR, KAFKA, header, errors)
                + "\n" + chartLinks(Charts.write(results, List.of(WEIR, KAFKA), outDir)));
        Files.writeString(outDir.resolve("results.csv"), csv(results));
    }

    private static String chartLinks(List<String> files) {
        StringBuilder s = new StringBuilder();
        for (String f : files) s.append("![").append(f.replace(".png", "")).append("](").append(f).append(")\n\n");
        return s.toString();
    }

    private static String csv(Results results) {
        StringBuilder s = new StringBuilder("figure,unit,system,round,value\n");
        for (Figure f : results.figures()) {
            for (String sys : List.of(WEIR, KAFKA)) {
                List<Double> v = results.values(f, sys);
                for (int i = 0; i < v.size(); i++) {
                    s.append(f.key()).append(',').append(f.unit()).append(',').append(sys).append(',').append(i + 1)
                            .append(',').append(String.format(Locale.ROOT, "%.3f", v.get(i))).append('\n');
                }
            }
        }
        return s.toString();
    }

    private String header(Instant started, String loadBefore, Sizes sizes, int roundCount, Path rootDir, String partial) {
        String loadAfter = loadAverage();
        return String.format(Locale.ROOT, String.join("\n",
                "# Weir against Apache Kafka %s, side by side",
                "",
                "%s",
                "`bin/weir bench compare%s` started %s, took %d min. Apache Kafka %s (kafka_2.13 from Maven Central, "
                        + "KRaft combined mode) and Weir %s, 3 local nodes each, 1 GiB heap per node, the same data "
                        + "disk (%s), one system at a time, alternating which goes first; %d round(s).",
                "Machine: %d cores, %s; Java %s. Load average (1, 5, 15 min) before: %s; after: %s; (1 min) as each "
                        + "system's round began: %s.",
                "Workloads (Kafka's own ProducerPerformance, ConsumerPerformance and EndToEndLatency from kafka-tools, "
                        + "default client settings): 6 partitions, RF=3, min.insync.replicas=2; first a warm-up of %,d "
                        + "records of 100 B (acks=all, read back) on a topic of its own, no figure taken; %,d records of 100 B "
                        + "and %,d of 1 KiB per produce workload; read back by a new consumer group; %,d end-to-end "
                        + "records; a topic of %,d partitions. A ratio is Weir's median over Kafka's; \"better\" says "
                        + "which system the ratio favours (= within 5%%).",
                ""),
                APACHE_KAFKA_VERSION, partial == null ? "" : "**Incomplete: written after " + partial + ".**\n\n",
                quick ? " --quick" : "", started.truncatedTo(ChronoUnit.SECONDS),
                java.time.Duration.between(started, Instant.now()).toMinutes(), APACHE_KAFKA_VERSION, gitHead(rootDir),
                dir, roundCount, Runtime.getRuntime().availableProcessors(), memTotal(), System.getProperty("java.version"),
                loadBefore, loadAfter, String.join("; ", loads), sizes.warmupRecords(), sizes.records100(), sizes.records1k(), sizes.e2eRecords(), sizes.manyPartitions());
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return String.format(Locale.ROOT, "%.0f GiB RAM", Long.parseLong(line.split("\\s+")[1]) / 1024.0 / 1024.0);
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown RAM";
    }

    private static String gitHead(Path root) {
        try {
            Process p = new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true).start();
            String head = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? "at " + head : "";
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    static Path findRoot() throws IOException {
        String prop = System.getProperty("weir.root");
        if (prop != null) return Path.of(prop);
        Path d = Path.of("").toAbsolutePath();
        while (d != null) {
            Path pom = d.resolve("pom.xml");
            if (Files.exists(pom) && Files.readString(pom).contains("<module>bench</module>")) return d;
            d = d.getParent();
        }
        throw new IOException("cannot find the Weir source tree above " + Path.of("").toAbsolutePath() + "; use --root");
    }
}
