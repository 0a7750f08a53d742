package io.weir.storage;

import static io.weir.storage.TestBatches.batch;
import static io.weir.storage.TestBatches.valuesOnly;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogManagerTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);

    @Test
    void createsListsReopensAndDeletesPartitions() {
        TopicPartition a0 = new TopicPartition("a-topic", 0);
        TopicPartition a1 = new TopicPartition("a-topic", 1);
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            logs.getOrCreate(a0, LogConfig.defaults()).appendAsLeader(batch("x"), 0);
            logs.getOrCreate(a1, LogConfig.defaults()).appendAsLeader(batch("y", "z"), 0);
            assertThat(logs.partitions()).containsExactly(a0, a1);
        }
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            assertThat(logs.partitions()).containsExactly(a0, a1);
            assertThat(logs.get(a1)).hasValueSatisfying(l -> assertThat(l.logEndOffset()).isEqualTo(2));
            logs.delete(a0);
            assertThat(logs.partitions()).containsExactly(a1);
            assertThat(logs.get(a0)).isEmpty();
            assertThat(Files.exists(dir.resolve("a-topic-0"))).isFalse();
        }
    }

    @Test
    void idleQueuesAreClosedBeyondTheLimitAndReopenOnUse() {
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 3)) {
            for (int p = 0; p < 10; p++) {
                logs.getOrCreate(new TopicPartition("t", p), LogConfig.defaults()).appendAsLeader(batch("v" + p), 0);
            }
            assertThat(logs.openQueueCount()).isLessThanOrEqualTo(3);
            for (int p = 0; p < 10; p++) {
                PartitionLog log = logs.get(new TopicPartition("t", p)).orElseThrow();
                assertThat(valuesOnly(log.read(0, 1000, Long.MAX_VALUE, true).records())).containsExactly("v" + p);
            }
            assertThat(logs.openQueueCount()).isLessThanOrEqualTo(3);
        }
    }

    /**
     * Many small partitions (1,000 by default; {@code -Dweir.test.partitions=10000} for the
     * figure in docs/ARCHITECTURE.md): every one written and read back while the open
     * queues, file handles and memory maps stay bounded. Prints the per-partition cost.
     */
    @Test
    void manySmallPartitionsStayWithinFileAndMapLimits() throws IOException {
        int partitions = Integer.getInteger("weir.test.partitions", 1_000);
        int maxOpen = Math.max(50, partitions / 20);
        long fdsBefore = count(Path.of("/proc/self/fd"));
        long mapsBefore = Files.readAllLines(Path.of("/proc/self/maps")).size();
        long heapBefore = usedHeapAfterGc();
        long start = System.nanoTime();
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, maxOpen)) {
            long maxFds = 0;
            for (int p = 0; p < partitions; p++) {
                logs.getOrCreate(new TopicPartition("many", p), LogConfig.defaults()).appendAsLeader(batch("v" + p), 0);
                if (p % 1000 == 999) {
                    maxFds = Math.max(maxFds, count(Path.of("/proc/self/fd")));
                }
            }
            long createMs = (System.nanoTime() - start) / 1_000_000;
            long heapAfter = usedHeapAfterGc();
            long fds = count(Path.of("/proc/self/fd")) - fdsBefore;
            long maps = Files.readAllLines(Path.of("/proc/self/maps")).size() - mapsBefore;
            long readStart = System.nanoTime();
            for (int p = 0; p < partitions; p++) {
                PartitionLog log = logs.get(new TopicPartition("many", p)).orElseThrow();
                assertThat(valuesOnly(log.read(0, 1000, Long.MAX_VALUE, true).records())).containsExactly("v" + p);
            }
            long readMs = (System.nanoTime() - readStart) / 1_000_000;
            System.out.printf(partitions + " partitions: create+append %d ms, read all %d ms, open queues %d, "
                            + "extra fds %d (peak %d), extra maps %d, heap %.1f MiB total = %d bytes/partition "
                            + "(index+bookkeeping estimate %d bytes/partition)%n",
                    createMs, readMs, logs.openQueueCount(), fds, maxFds - fdsBefore, maps,
                    (heapAfter - heapBefore) / 1048576.0, (heapAfter - heapBefore) / partitions,
                    logs.heapBytesEstimate() / partitions);
            assertThat(logs.openQueueCount()).isLessThanOrEqualTo(maxOpen);
            assertThat(fds).as("file handles are bounded by the open-queue limit, not the partition count")
                    .isLessThan(4L * maxOpen);
            assertThat(maps).isLessThan(8L * maxOpen);
            assertThat(logs.partitions()).hasSize(partitions);
        }
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
