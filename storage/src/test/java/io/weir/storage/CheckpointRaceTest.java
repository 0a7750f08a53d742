package io.weir.storage;

import static io.weir.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A high-watermark checkpoint writes {@code partition.state} after releasing the log's lock. These
 * tests put the racing operation exactly between the checkpoint's snapshot and its write (or in the
 * middle of the write) through {@link PartitionLog#checkpointHooks}, and check that the older
 * snapshot never lands on disk over a newer state, never re-creates a deleted directory, and that
 * appends and reads do not wait for the write.
 */
class CheckpointRaceTest {
    private static final TopicPartition TP = new TopicPartition("race", 0);

    @TempDir
    Path root;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);

    private PartitionLog openWithTen(Path dir) {
        PartitionLog log = PartitionLog.open(TP, dir, LogConfig.defaults(), clock);
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch("v" + i), 1);
        }
        log.updateHighWatermark(10);
        return log;
    }

    /** The managed log of {@link #TP} with two records, both committed: a checkpoint has something to write. */
    private static PartitionLog managedWithTwo(LogManager logs) {
        PartitionLog log = logs.getOrCreate(TP, LogConfig.defaults());
        log.appendAsLeader(batch("a", "b"), 1);
        log.updateHighWatermark(2);
        return log;
    }

    private static PartitionState onDisk(Path dir) {
        return PartitionState.readOrInitial(dir);
    }

    @Test
    void aTruncationBetweenSnapshotAndWriteIsNotOverwrittenByTheOlderSnapshot() {
        Path dir = root.resolve("p");
        PartitionLog log = openWithTen(dir);
        log.checkpointHooks(() -> log.truncateTo(5), () -> { });

        log.checkpointHighWatermark();

        PartitionState disk = onDisk(dir);
        assertThat(disk.highWatermark()).isEqualTo(5);
        assertThat(disk.nextOffsetFloor()).isEqualTo(5);
        assertThat(disk.deadRanges()).isNotEmpty();
        log.close();
        PartitionLog reopened = PartitionLog.open(TP, dir, LogConfig.defaults(), clock);
        assertThat(reopened.logEndOffset()).isEqualTo(5);
        assertThat(reopened.highWatermark()).isEqualTo(5);
        reopened.close();
    }

    @Test
    void anEpochAssignedBetweenSnapshotAndWriteStaysOnDisk() {
        Path dir = root.resolve("p");
        PartitionLog log = openWithTen(dir);
        log.checkpointHooks(() -> log.appendAsLeader(batch("new leader"), 2), () -> { });

        log.checkpointHighWatermark();

        assertThat(onDisk(dir).epochs()).extracting(LeaderEpochCache.Entry::epoch).containsExactly(1, 2);
        // The epoch's own write carried the high watermark the skipped checkpoint had.
        assertThat(onDisk(dir).highWatermark()).isEqualTo(10);
        log.close();
    }

    @Test
    void aCloseBetweenSnapshotAndWriteKeepsItsNewerHighWatermark() {
        Path dir = root.resolve("p");
        PartitionLog log = openWithTen(dir);
        log.checkpointHooks(() -> {
            log.appendAsLeader(batch("x", "y"), 1);
            log.updateHighWatermark(12);
            log.close();
        }, () -> { });

        log.checkpointHighWatermark();

        assertThat(onDisk(dir).highWatermark()).isEqualTo(12);
    }

    @Test
    void aDeleteBetweenSnapshotAndWriteIsNotUndoneByTheCheckpoint() throws Exception {
        try (LogManager logs = new LogManager(root, LogConfig.defaults(), clock, 10)) {
            PartitionLog log = managedWithTwo(logs);
            Path dir = root.resolve("race-0");
            log.checkpointHooks(() -> logs.delete(TP), () -> { });

            log.checkpointHighWatermark();

            assertThat(dir).doesNotExist();
            assertThat(logs.get(TP)).isEmpty();
        }
    }

    @Test
    void aDeleteWaitsForAnInFlightCheckpointAndAppendsAndReadsDoNot() throws Exception {
        try (LogManager logs = new LogManager(root, LogConfig.defaults(), clock, 10)) {
            PartitionLog log = managedWithTwo(logs);
            Path dir = root.resolve("race-0");
            CountDownLatch writing = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            log.checkpointHooks(() -> { }, () -> {
                writing.countDown();
                awaitQuietly(release);
            });
            CompletableFuture<Void> checkpoint = CompletableFuture.runAsync(log::checkpointHighWatermark);
            assertThat(writing.await(30, TimeUnit.SECONDS)).isTrue();

            // The checkpoint is writing (think: a slow fsync) and holds no log lock.
            log.appendAsLeader(batch("c"), 1);
            log.updateHighWatermark(3);
            assertThat(TestBatches.valuesOnly(log.read(0, Integer.MAX_VALUE, 3, true).records()))
                    .containsExactly("a", "b", "c");

            Thread[] deleter = new Thread[1];
            CompletableFuture<Void> delete = CompletableFuture.runAsync(() -> {
                deleter[0] = Thread.currentThread();
                logs.delete(TP);
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> deleter[0] != null
                    && deleter[0].getState() == Thread.State.WAITING);
            assertThat(delete).isNotDone();
            assertThat(dir).exists();

            release.countDown();
            checkpoint.get(30, TimeUnit.SECONDS);
            delete.get(30, TimeUnit.SECONDS);
            assertThat(dir).doesNotExist();
            // A checkpoint after the delete writes nothing anywhere.
            log.checkpointHighWatermark();
            assertThat(dir).doesNotExist();
        }
    }

    @Test
    void anUnchangedHighWatermarkIsPublishedWithoutTheLock() throws Exception {
        PartitionLog log = openWithTen(root.resolve("p"));
        log.lock().writeLock().lock();
        try {
            CompletableFuture<Void> same = CompletableFuture.runAsync(() -> log.updateHighWatermark(10));
            same.get(30, TimeUnit.SECONDS);
        } finally {
            log.lock().writeLock().unlock();
        }
        log.close();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

}
