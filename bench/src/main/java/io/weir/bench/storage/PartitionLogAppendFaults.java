package io.weir.bench.storage;

import io.weir.bench.TempDirs;
import io.weir.storage.LogConfig;
import io.weir.storage.PartitionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Arrays;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Where an append's CPU goes, for the kernel-side questions {@link PartitionLogCpuComparison} cannot
 * answer: appends the benchmark's 16 KiB batch to a fresh log (or writes it to a FileChannel, with
 * {@code file}) in one thread and prints the CPU per append, its user/system split and the minor and
 * major page faults per append (this thread's {@code /proc/thread-self/stat}), and the distribution
 * of single appends' CPU: median, tail, and the share of CPU spent in appends over 0.2 ms; and the
 * CPU per append of the storage threads that work ahead of the appender ({@code weir-pretouch*}).
 * {@code -Dweir.bench.timestamp.bounds=kafka} as in {@link PartitionLogCpuComparison}. Linux only.
 *
 * <pre>
 * java $(cat storage/target/classes/weir-jvm-flags.txt) -cp bench/target/benchmarks.jar \
 *     io.weir.bench.storage.PartitionLogAppendFaults [recordSize] [appends] [weir|file]
 * </pre>
 */
public final class PartitionLogAppendFaults {
    private static final int WARMUP = 8_000;
    private static final long SPIKE_NANOS = 200_000;

    private PartitionLogAppendFaults() {
    }

    public static void main(String[] args) throws IOException {
        int recordSize = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 12_000;
        boolean file = args.length > 2 && args[2].equals("file");
        byte[] batch = Batches.sixteenKiBBatch(recordSize);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Path dir = Files.createTempDirectory("weir-append-faults");
        try (FileChannel channel = FileChannel.open(dir.resolve("baseline.log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            PartitionLog log = PartitionLog.open(new TopicPartition("bench", 0), dir.resolve("log"),
                    PartitionLogCpuComparison.logConfig(), Clock.systemUTC());
            try {
                Runnable op = file ? () -> write(channel, batch)
                        : () -> log.appendAsLeader(MemoryRecords.readableRecords(ByteBuffer.wrap(batch)), 0);
                for (int i = 0; i < WARMUP; i++) {
                    op.run();
                }
                long[] per = new long[n];
                long[] before = stat();
                long helpersBefore = PartitionLogCpuComparison.helperCpuNanos();
                long cpuBefore = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    long start = threads.getCurrentThreadCpuTime();
                    op.run();
                    per[i] = threads.getCurrentThreadCpuTime() - start;
                }
                long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
                long[] after = stat();
                long helpers = PartitionLogCpuComparison.helperCpuNanos() - helpersBefore;
                report(file ? "FileChannel" : "Weir", recordSize, n, cpu, before, after, per);
                System.out.printf("  storage background threads (weir-pretouch*): %.1f us CPU/append%n",
                        helpers / 1e3 / n);
            } finally {
                log.close();
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static void report(String side, int recordSize, int n, long cpu, long[] before, long[] after, long[] per) {
        double tickMicros = 1e6 / 100; // USER_HZ
        System.out.printf("%s, %d B records: %.1f us CPU/append, user %.1f / system %.1f us (ticks), "
                        + "minor faults %.2f, major faults %.2f per append (%d appends, load %s)%n",
                side, recordSize, cpu / 1e3 / n, (after[2] - before[2]) * tickMicros / n,
                (after[3] - before[3]) * tickMicros / n, (after[0] - before[0]) / (double) n,
                (after[1] - before[1]) / (double) n, n, loadAverage());
        long[] sorted = per.clone();
        Arrays.sort(sorted);
        long spikes = 0;
        long spikeNanos = 0;
        long all = 0;
        for (long x : per) {
            all += x;
            if (x > SPIKE_NANOS) {
                spikes++;
                spikeNanos += x;
            }
        }
        System.out.printf("  one append: p50 %.1f us, p90 %.1f, p99 %.1f, p99.9 %.1f, max %.1f; "
                        + "%d appends over 0.2 ms took %.0f%% of the CPU%n",
                sorted[n / 2] / 1e3, sorted[n * 9 / 10] / 1e3, sorted[n * 99 / 100] / 1e3,
                sorted[n * 999 / 1000] / 1e3, sorted[n - 1] / 1e3, spikes, 100.0 * spikeNanos / all);
    }

    /** This thread's minor faults, major faults, user and system ticks. */
    private static long[] stat() throws IOException {
        String s = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[7]), Long.parseLong(f[9]), Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    private static void write(FileChannel channel, byte[] batch) {
        try {
            channel.write(ByteBuffer.wrap(batch));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
