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
 * The workloads of {@link PartitionLogAppendBenchmark} and {@link PartitionLogReadBenchmark}, Weir
 * against a plain FileChannel, measured in CPU time of the measuring thread instead of wall-clock
 * time, alternating the two sides in short rounds in one JVM. On a machine shared with other builds
 * (load averages of 20–40 on 2 cores) JMH's wall-clock throughput mostly measures the scheduler;
 * the CPU time a side spends per op, compared round by round with the other side's, is much less
 * disturbed. Prints the median over rounds of (FileChannel CPU per op) / (Weir CPU per op): above
 * 1 means Weir needs less CPU than FileChannel for the same op.
 *
 * <p>Weir's CPU per op includes that of the node's storage background threads named
 * {@code weir-pretouch*} (pages touched ahead of the appender are paid for there): what the machine
 * spends per append, not only the appending thread. {@code -Dweir.bench.timestamp.bounds=kafka} gives
 * the log Kafka's default {@code message.timestamp.*.max.ms}, as a broker's logs have (default: none,
 * as {@link LogConfig#defaults()}); {@code -Dweir.bench.workloads=append} (or {@code read}) runs one
 * workload only.
 *
 * <pre>
 * java $(cat storage/target/classes/weir-jvm-flags.txt) -cp bench/target/benchmarks.jar \
 *     io.weir.bench.storage.PartitionLogCpuComparison [rounds] [opsPerRound]
 * </pre>
 */
public final class PartitionLogCpuComparison {
    private static final long LOG_BYTES = 256L << 20;
    private static final int FETCH_BYTES = 1 << 20;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private PartitionLogCpuComparison() {
    }

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 31;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        System.out.printf("load average before: %s%n", loadAverage());
        String workloads = System.getProperty("weir.bench.workloads", "append,read");
        for (int recordSize : new int[] {100, 1024}) {
            if (workloads.contains("append")) {
                append(recordSize, rounds, ops * 10);
            }
            if (workloads.contains("read")) {
                read(recordSize, rounds, ops);
            }
        }
        System.out.printf("load average after: %s%n", loadAverage());
    }

    private static void append(int recordSize, int rounds, int ops) throws IOException {
        byte[] batch = Batches.sixteenKiBBatch(recordSize);
        Path dir = Files.createTempDirectory("weir-cpu-append");
        try (FileChannel channel = FileChannel.open(dir.resolve("baseline.log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            PartitionLog log = PartitionLog.open(new TopicPartition("bench", 0), dir.resolve("log"),
                    logConfig(), Clock.systemUTC());
            try {
                Runnable weir = () -> log.appendAsLeader(MemoryRecords.readableRecords(ByteBuffer.wrap(batch)), 0);
                Runnable file = () -> write(channel, batch);
                report("append", recordSize, compare(weir, file, rounds, ops));
            } finally {
                log.close();
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static void read(int recordSize, int rounds, int ops) throws IOException {
        byte[] batch = Batches.sixteenKiBBatch(recordSize);
        int batchesPerRead = FETCH_BYTES / batch.length;
        int readBytes = batchesPerRead * batch.length;
        long recordsPerRead = (long) batchesPerRead * Batches.recordCount(batch);
        Path dir = Files.createTempDirectory("weir-cpu-read");
        try (FileChannel channel = FileChannel.open(dir.resolve("baseline.log"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            PartitionLog log = PartitionLog.open(new TopicPartition("bench", 0), dir.resolve("log"),
                    LogConfig.defaults(), Clock.systemUTC());
            try {
                for (long i = 0; i < LOG_BYTES / batch.length; i++) {
                    log.appendAsLeader(MemoryRecords.readableRecords(ByteBuffer.wrap(batch.clone())), 0);
                    channel.write(ByteBuffer.wrap(batch));
                }
                log.updateHighWatermark(log.logEndOffset());
                long fileBytes = channel.size();
                long[] offset = {0};
                long[] position = {0};
                Runnable weir = () -> {
                    if (offset[0] + recordsPerRead > log.highWatermark()) {
                        offset[0] = 0;
                    }
                    log.read(offset[0], FETCH_BYTES, log.highWatermark(), true);
                    offset[0] += recordsPerRead;
                };
                Runnable file = () -> {
                    if (position[0] + readBytes > fileBytes) {
                        position[0] = 0;
                    }
                    readInto(channel, ByteBuffer.allocate(readBytes), position[0]);
                    position[0] += readBytes;
                };
                report("read", recordSize, compare(weir, file, rounds, ops));
            } finally {
                log.close();
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** The log's config: {@link LogConfig#defaults()}, with Kafka's timestamp bounds if asked for. */
    static LogConfig logConfig() {
        String bounds = System.getProperty("weir.bench.timestamp.bounds", "none");
        return switch (bounds) {
            case "none" -> LogConfig.defaults();
            case "kafka" -> LogConfig.defaults().withTimestampBounds(LogConfig.DEFAULT_TIMESTAMP_BEFORE_MAX_MS,
                    LogConfig.DEFAULT_TIMESTAMP_AFTER_MAX_MS);
            default -> throw new IllegalArgumentException("weir.bench.timestamp.bounds must be none or kafka: " + bounds);
        };
    }

    /** CPU microseconds per op of each side, per round: [0] Weir, [1] FileChannel. */
    private static double[][] compare(Runnable weir, Runnable file, int rounds, int ops) {
        for (int i = 0; i < 3 * ops; i++) {
            weir.run();
            file.run();
        }
        double[][] cpu = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            boolean weirFirst = r % 2 == 0;
            cpu[weirFirst ? 0 : 1][r] = cpuMicrosPerOp(weirFirst ? weir : file, ops, weirFirst);
            cpu[weirFirst ? 1 : 0][r] = cpuMicrosPerOp(weirFirst ? file : weir, ops, !weirFirst);
        }
        return cpu;
    }

    /** With {@code withHelpers}, the CPU of Weir's storage background threads in the meantime counts too. */
    private static double cpuMicrosPerOp(Runnable op, int ops, boolean withHelpers) {
        long helpers = withHelpers ? helperCpuNanos() : 0;
        long start = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < ops; i++) {
            op.run();
        }
        long own = THREADS.getCurrentThreadCpuTime() - start;
        long others = withHelpers ? settledHelperCpuNanos() - helpers : 0;
        return (own + others) / 1e3 / ops;
    }

    /**
     * {@link #helperCpuNanos} once the helpers have finished what this window's appends asked of
     * them (their CPU stops rising), so that work lagging into the next window is still Weir's.
     */
    private static long settledHelperCpuNanos() {
        long last = helperCpuNanos();
        for (int i = 0; i < 200; i++) { // at most about 1 s
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            long now = helperCpuNanos();
            if (now == last) return now;
            last = now;
        }
        return last;
    }

    /** CPU time so far of the threads that do part of an append's work off the appending thread. */
    static long helperCpuNanos() {
        long sum = 0;
        for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("weir-pretouch")) {
                sum += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    private static void report(String what, int recordSize, double[][] cpu) {
        int rounds = cpu[0].length;
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratios[r] = cpu[1][r] / cpu[0][r];
        }
        System.out.printf("%-6s %4d B records: Weir %8.1f us CPU/op, FileChannel %8.1f us CPU/op (medians), "
                        + "Weir/FileChannel throughput per CPU %.2fx (median of %d rounds; quartiles %.2f-%.2f)%n",
                what, recordSize, median(cpu[0]), median(cpu[1]), median(ratios), rounds, quantile(ratios, 0.25),
                quantile(ratios, 0.75));
    }

    private static double median(double[] xs) {
        return quantile(xs, 0.5);
    }

    private static double quantile(double[] xs, double q) {
        double[] sorted = xs.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.round(q * (sorted.length - 1))];
    }

    private static void write(FileChannel channel, byte[] batch) {
        try {
            channel.write(ByteBuffer.wrap(batch));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void readInto(FileChannel channel, ByteBuffer buf, long position) {
        try {
            channel.read(buf, position);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }
}
