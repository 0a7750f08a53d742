package io.weir.storage;

import static io.weir.storage.TestBatches.batch;
import static io.weir.storage.TestBatches.valuesOnly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    /**
     * Another thread's {@code get} (retention, a fetch) while the log is deleted must not open it
     * again from the directory about to be renamed away: such a log stayed in the manager with its
     * directory gone, and its next queue open created the directory anew.
     */
    @Test
    void aLogBeingDeletedIsNotOpenedAgainByAnotherThread() throws Exception {
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            for (int round = 0; round < 100; round++) {
                TopicPartition tp = new TopicPartition("racing", round);
                PartitionLog deleted = logs.getOrCreate(tp, LogConfig.defaults());
                deleted.appendAsLeader(batch("x"), 0);
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                Thread reader = new Thread(() -> {
                    while (!stop.get()) {
                        logs.get(tp).ifPresent(l -> {
                            try {
                                l.read(0, 1000, Long.MAX_VALUE, true);
                            } catch (RuntimeException closed) {
                                // deleted under the read: expected
                            }
                        });
                    }
                });
                reader.start();
                Thread.sleep(1);
                logs.delete(tp);
                stop.set(true);
                reader.join(10_000);
                assertThat(logs.get(tp)).as("round %d", round).isEmpty();
                assertThat(dir.resolve("racing-" + round)).as("round %d", round).doesNotExist();
                // What a replica fetcher still holding the log sees: a closed log, which it skips.
                assertThatThrownBy(() -> deleted.appendAsFollower(batch("y"))).isInstanceOf(LogClosedException.class);
                assertThatThrownBy(() -> deleted.read(0, 1000, Long.MAX_VALUE, true))
                        .isInstanceOf(LogClosedException.class);
            }
        }
    }

    @Test
    void aNewLogCreatesItsQueueOnlyWhenBytesAreWrittenOrRead() throws IOException {
        TopicPartition tp = new TopicPartition("lazy", 0);
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            PartitionLog log = logs.getOrCreate(tp, LogConfig.defaults());
            // Created, listed, and at offset 0, with no Chronicle queue yet.
            assertThat(logs.partitions()).containsExactly(tp);
            assertThat(logs.openQueueCount()).isZero();
            assertThat(queueDirs(dir.resolve("lazy-0"))).isEmpty();
            assertThat(log.logEndOffset()).isZero();
            // What a follower or consumer at the end of an idle log asks needs no queue either.
            assertThat(log.read(0, 1000, Long.MAX_VALUE, true).records().sizeInBytes()).isZero();
            assertThat(log.offsetForTimestamp(-1L)).hasValueSatisfying(t -> assertThat(t.offset()).isZero());
            assertThat(log.applyRetention()).isZero();
            assertThat(logs.openQueueCount()).isZero();
            assertThatThrownBy(() -> log.read(1, 1000, Long.MAX_VALUE, true))
                    .isInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class);

            log.appendAsLeader(batch("a", "b"), 3);
            assertThat(logs.openQueueCount()).isEqualTo(1);
            assertThat(queueDirs(dir.resolve("lazy-0"))).hasSize(1);
            log.updateHighWatermark(2);
        }
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            PartitionLog log = logs.get(tp).orElseThrow();
            assertThat(log.logEndOffset()).isEqualTo(2);
            assertThat(log.latestEpoch()).isEqualTo(3);
            assertThat(valuesOnly(log.read(0, 1000, Long.MAX_VALUE, true).records())).containsExactly("a", "b");
        }
        // A log that never opened its queue is reopened as the empty log it was.
        TopicPartition idle = new TopicPartition("idle", 0);
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            logs.getOrCreate(idle, LogConfig.defaults());
        }
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            PartitionLog log = logs.get(idle).orElseThrow();
            assertThat(log.logEndOffset()).isZero();
            log.appendAsLeader(batch("c"), 0);
            assertThat(valuesOnly(log.read(0, 1000, Long.MAX_VALUE, true).records())).containsExactly("c");
            logs.delete(idle);
            assertThat(dir.resolve("idle-0")).doesNotExist();
            assertThat(logs.partitions()).containsExactly(tp);
        }
        // The files of deleted logs are gone once the manager has closed.
        try (Stream<Path> children = Files.list(dir)) {
            assertThat(children.map(p -> p.getFileName().toString())).containsExactly("lazy-0");
        }
    }

    @Test
    void aLogsSizeIsReadWhileAnotherThreadHoldsTheLog() throws Exception {
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            PartitionLog log = logs.getOrCreate(new TopicPartition("held", 0), LogConfig.defaults());
            log.appendAsLeader(batch("a", "b"), 0);
            long size = log.sizeInBytes();
            assertThat(size).isPositive();
            // A compaction or a slow queue open holds the write lock; the controller's balancer and
            // DescribeLogDirs read sizes meanwhile and must not wait for it.
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            Thread holder = new Thread(() -> {
                log.lock().writeLock().lock();
                try {
                    held.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    log.lock().writeLock().unlock();
                }
            });
            holder.start();
            held.await();
            try {
                java.util.concurrent.CompletableFuture<Long> read =
                        java.util.concurrent.CompletableFuture.supplyAsync(log::sizeInBytes);
                assertThat(read.get(1, java.util.concurrent.TimeUnit.MINUTES)).isEqualTo(size);
            } finally {
                release.countDown();
                holder.join();
            }
        }
    }

    @Test
    void closingWritesTheStateOnlyWhenTheHighWatermarkMovedAndDiscardingNever() throws IOException {
        TopicPartition tp = new TopicPartition("quiet", 0);
        Path state = dir.resolve("quiet-0").resolve(PartitionState.FILE_NAME);
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            PartitionLog log = logs.getOrCreate(tp, LogConfig.defaults());
            log.appendAsLeader(batch("a", "b"), 1);
            log.updateHighWatermark(2);
            log.checkpointHighWatermark();
        }
        Object checkpointed = fileKey(state);
        // Reopened and closed with nothing new: the file is not replaced (no fsyncs).
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            assertThat(logs.get(tp).orElseThrow().highWatermark()).isEqualTo(2);
        }
        assertThat(fileKey(state)).isEqualTo(checkpointed);
        // A high watermark that moved is checkpointed on close.
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            PartitionLog log = logs.get(tp).orElseThrow();
            log.appendAsLeader(batch("c"), 1);
            log.updateHighWatermark(3);
        }
        assertThat(fileKey(state)).isNotEqualTo(checkpointed);
        checkpointed = fileKey(state);
        // A log about to be deleted is closed without a checkpoint: the previous one stays valid.
        PartitionLog doomed = PartitionLog.open(tp, dir.resolve("quiet-0"), LogConfig.defaults(), clock);
        assertThat(doomed.highWatermark()).isEqualTo(3);
        doomed.appendAsLeader(batch("d"), 1);
        doomed.updateHighWatermark(4);
        doomed.discard();
        assertThat(fileKey(state)).isEqualTo(checkpointed);
        PartitionLog reopened = PartitionLog.open(tp, dir.resolve("quiet-0"), LogConfig.defaults(), clock);
        assertThat(reopened.highWatermark()).isEqualTo(3);
        assertThat(reopened.logEndOffset()).isEqualTo(4);
        reopened.close();
    }

    /** The file's identity (device and inode): an atomic replace gives it a new one. */
    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    @Test
    void theOpenQueueBoundFollowsTheProcessLimits() {
        // Three quarters of the descriptors, two per queue; three quarters of the maps, four per queue (two, twice over).
        assertThat(LogManager.maxOpenQueuesWithin(20_000, 65_530)).isEqualTo(7_500);
        assertThat(LogManager.maxOpenQueuesWithin(1_048_576, 65_530)).isEqualTo(12_286);
        assertThat(LogManager.maxOpenQueuesWithin(1_024, 65_530)).isEqualTo(384);
        assertThat(LogManager.maxOpenQueuesWithin(100, 65_530)).isEqualTo(LogManager.MIN_OPEN_QUEUES);
        assertThat(LogManager.maxOpenQueuesWithin(Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(LogManager.MAX_OPEN_QUEUES);
        assertThat(LogManager.maxOpenQueuesForThisProcess()).isBetween(LogManager.MIN_OPEN_QUEUES, LogManager.MAX_OPEN_QUEUES);
    }

    @Test
    void theBoundOfThisProcessComesFromItsRealLimits() throws IOException {
        Path maxMapCount = Path.of("/proc/sys/vm/max_map_count");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(maxMapCount), "Linux only");
        long maps = Long.parseLong(Files.readAllLines(maxMapCount).get(0).trim());
        assertThat(LogManager.readProcNumber(maxMapCount)).isEqualTo(maps);
        long fds = ((com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        assertThat(LogManager.maxOpenQueuesForThisProcess()).isEqualTo(LogManager.maxOpenQueuesWithin(fds, maps));
    }

    private static java.util.List<Path> queueDirs(Path partitionDir) {
        try (Stream<Path> children = Files.list(partitionDir)) {
            return children.filter(p -> p.getFileName().toString().startsWith("queue-")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A read allowed no bytes (a full fetch response, a throttled replica, a fetch past its time
     * budget) is answered from memory: a leader answering thousands of partitions does not reopen
     * the closed queues of those it will not read anyway.
     */
    @Test
    void aReadAllowedNoBytesLeavesAClosedQueueClosed() {
        TopicPartition tp = new TopicPartition("closed", 0);
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 10)) {
            PartitionLog log = logs.getOrCreate(tp, LogConfig.defaults());
            log.appendAsLeader(batch("a", "b"), 0);
            assertThat(log.closeQueueIfIdle()).isTrue();
            assertThat(log.isQueueOpen()).isFalse();
            LogReadResult nothing = log.read(0, 0, Long.MAX_VALUE, false);
            assertThat(nothing.records().sizeInBytes()).isZero();
            assertThat(nothing.logEndOffset()).isEqualTo(2);
            assertThat(log.isQueueOpen()).isFalse();
            // Nor does a follower or consumer at the log end, whatever its byte limit.
            assertThat(log.read(2, 1000, Long.MAX_VALUE, true).records().sizeInBytes()).isZero();
            assertThat(log.isQueueOpen()).isFalse();
            assertThatThrownBy(() -> log.read(3, 0, Long.MAX_VALUE, false))
                    .isInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class);
            // The first partition of a response may exceed the limit by one batch: that one opens.
            assertThat(valuesOnly(log.read(0, 0, Long.MAX_VALUE, true).records())).containsExactly("a", "b");
            assertThat(log.isQueueOpen()).isTrue();
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
     * Partitions written all the time keep their queues while a stream of partitions written once
     * each come and go: the queues closed above the bound are the idle ones, not the ones opened
     * first (which closed every hot queue in turn, to be reopened by its next write).
     */
    @Test
    void queuesInUseStayOpenWhileIdleOnesAreClosed() {
        int max = 20;
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, max)) {
            java.util.List<PartitionLog> hot = new java.util.ArrayList<>();
            for (int p = 0; p < 10; p++) {
                hot.add(logs.getOrCreate(new TopicPartition("hot", p), LogConfig.defaults()));
            }
            for (int p = 0; p < 100; p++) {
                clock.advance(2_000);
                for (PartitionLog log : hot) {
                    log.appendAsLeader(batch("h" + p), 0);
                }
                logs.getOrCreate(new TopicPartition("once", p), LogConfig.defaults()).appendAsLeader(batch("o"), 0);
                assertThat(hot).as("hot queues open after %d partitions written once", p + 1)
                        .allMatch(PartitionLog::isQueueOpen);
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(1))
                    .until(() -> logs.openQueueCount() <= OpenQueuePolicy.closeAbove(max));
            assertThat(hot).allMatch(PartitionLog::isQueueOpen);
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
