package io.weir.storage;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable state of a {@link PartitionLog}, mirrored in {@link PartitionState}: generation, log
 * start offset, next offset floor, high watermark, dead ranges and leader epochs, with their
 * persistence. A change that must be durable first is made in memory, persisted, and undone if
 * persisting fails ({@link #persistOrRestore}); checkpoints that fail are retried later
 * ({@link #tryPersist}). Not thread-safe: {@link PartitionLog}'s lock guards it; the log start
 * offset and high watermark are volatile for its lock-free getters.
 *
 * <p>Writing {@code partition.state}: every write is of a {@link Snapshot} taken under the log's write
 * lock, numbered in the order taken, and goes through {@link #writeLocked} under a persist mutex of its own,
 * which skips a snapshot older than the one last written and any write after {@link #closeWrites}.
 * A change that must be durable first writes while still holding the write lock (lock order: the
 * log's write lock, then the mutex, never the reverse); a high-watermark checkpoint takes its snapshot
 * under the write lock and writes it after releasing it ({@link #checkpointSnapshot}, {@link #tryWrite}),
 * so appends and reads never wait for its fsyncs, and a checkpoint that loses a race to a truncation,
 * an epoch change or a close never puts an older state back on disk nor re-creates a deleted directory.
 */
final class LogState {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    private final TopicPartition topicPartition;
    private final Path dir;

    private long generation;
    private final DeadRanges deadRanges = new DeadRanges();
    private final LeaderEpochCache epochs = new LeaderEpochCache();
    private long nextOffsetFloor;
    private volatile long logStartOffset;
    private volatile long highWatermark;
    /** The HW last written to partition.state; written under {@link #persistLock}. */
    private volatile long checkpointedHighWatermark;
    /** The log cleaner's checkpoint: the first offset not yet cleaned. */
    private long cleanedTo;
    /** partition.state could not be written (a full disk): the next checkpoint tries again. Under {@link #persistLock}. */
    private volatile boolean statePending;

    /** Serialises writes of partition.state; taken after the log's write lock, never before. */
    private final ReentrantLock persistLock = new ReentrantLock();
    /** The number of the last {@link Snapshot} taken; under the log's write lock. */
    private long snapshotVersion;
    /** The number of the last snapshot written; under {@link #persistLock}. */
    private long writtenVersion;
    /** No more writes: the log is closed (its directory may be renamed away next). Under {@link #persistLock}. */
    private boolean writesClosed;
    /** Test hooks around a checkpoint's write; see {@link #hooks(CheckpointHooks)}. */
    private volatile CheckpointHooks hooks = CheckpointHooks.NONE;

    /** What to write to partition.state, numbered in the order the snapshots were taken. */
    record Snapshot(long version, PartitionState state) {
    }

    /** Run by a checkpoint after its snapshot (no lock held) and while writing it (mutex held); for tests. */
    record CheckpointHooks(Runnable afterSnapshot, Runnable whileWriting) {
        static final CheckpointHooks NONE = new CheckpointHooks(() -> { }, () -> { });
    }

    LogState(TopicPartition topicPartition, Path dir) {
        this.topicPartition = topicPartition;
        this.dir = dir;
    }

    /** Reads {@code partition.state} (initial if absent) into memory, except the HW; returns what was read. */
    PartitionState load() {
        PartitionState state = PartitionState.readOrInitial(dir);
        generation = state.generation();
        logStartOffset = state.logStartOffset();
        nextOffsetFloor = state.nextOffsetFloor();
        deadRanges.replaceWith(state.deadRanges());
        cleanedTo = state.cleanedTo();
        return state;
    }

    long generation() {
        return generation;
    }

    long logStartOffset() {
        return logStartOffset;
    }

    long cleanedTo() {
        return cleanedTo;
    }

    long nextOffsetFloor() {
        return nextOffsetFloor;
    }

    long highWatermark() {
        return highWatermark;
    }

    DeadRanges deadRanges() {
        return deadRanges;
    }

    LeaderEpochCache epochs() {
        return epochs;
    }

    boolean statePending() {
        return statePending;
    }

    /** Moves the HW in memory; it is durable at the next checkpoint. */
    void setHighWatermark(long hw) {
        highWatermark = hw;
    }

    /** The HW found at open, as checkpointed in {@code partition.state}. */
    void setCheckpointedHighWatermark(long hw) {
        checkpointedHighWatermark = hw;
    }

    /** Whether a checkpoint has anything to write: a moved HW or state a full disk kept back. */
    boolean checkpointDue() {
        return highWatermark != checkpointedHighWatermark || statePending;
    }

    /** The open-time scan dropped a torn or corrupt tail: dead from now on, durable now or at the next checkpoint. */
    void dropCorruptTail(long corruptFrom, long lastIndex, long logEndOffset) {
        deadRanges.add(corruptFrom, Math.max(corruptFrom, lastIndex));
        nextOffsetFloor = logEndOffset;
        tryPersist("recovery", true);
    }

    /** A new leader epoch starting at {@code startOffset}, durable first. */
    void assignLeaderEpoch(int leaderEpoch, long startOffset) {
        if (leaderEpoch > epochs.latestEpoch()) {
            List<LeaderEpochCache.Entry> before = epochs.entries();
            epochs.assign(leaderEpoch, startOffset);
            persistOrRestoreEpochs(before);
        }
    }

    /** The leader epochs of a follower's batches, durable first. */
    void assignFollowerEpochs(List<BatchHeader> headers) {
        List<LeaderEpochCache.Entry> before = epochs.entries();
        if (AppendPlanner.assignFollowerEpochs(headers, epochs)) {
            persistOrRestoreEpochs(before);
        }
    }

    /** Truncation: excerpts {@code [excerptIndex, lastIndex]} dead, the log ending at {@code baseOffset}. */
    void truncateTail(long excerptIndex, long lastIndex, long baseOffset) {
        Durable before = durable();
        deadRanges.add(excerptIndex, lastIndex);
        nextOffsetFloor = baseOffset;
        cleanedTo = Math.min(cleanedTo, baseOffset);
        epochs.truncateFromEnd(baseOffset);
        highWatermark = Math.min(highWatermark, baseOffset);
        persistOrRestore(before);
    }

    /** Full truncation: the next generation, empty, starting at {@code offset}; durable first. */
    void startGeneration(long offset) {
        Durable before = durable();
        generation++;
        deadRanges.replaceWith(List.of());
        epochs.clear();
        cleanedTo = offset;
        logStartOffset = offset;
        nextOffsetFloor = offset;
        highWatermark = offset;
        persistOrRestore(before);
        deadRanges.clear();
    }

    /**
     * Compaction: the queue of generation {@code newGeneration} holds the survivors of every live
     * batch (no dead excerpts), cleaned up to {@code newCleanedTo}. This write is the swap's commit
     * point; the LEO stays, so the floor is at least {@code logEndOffset}.
     */
    void compacted(long newGeneration, long newCleanedTo, long logEndOffset) {
        Durable before = durable();
        generation = newGeneration;
        deadRanges.replaceWith(List.of());
        nextOffsetFloor = Math.max(nextOffsetFloor, logEndOffset);
        cleanedTo = newCleanedTo;
        persistOrRestore(before);
    }

    /** Retention: the log starts at {@code offset}, durable before any file is deleted. */
    void moveStartForRetention(long offset) {
        Durable before = durable();
        logStartOffset = offset;
        epochs.truncateFromStart(offset);
        persistOrRestore(before);
    }

    /** DeleteRecords: the log starts at {@code offset}, persisted before it returns (not undone if that fails). */
    void advanceStart(long offset) {
        logStartOffset = offset;
        epochs.truncateFromStart(offset);
        persist();
    }

    /** Appends resume: the failed tail ends at {@code lastIndex}; still open-ended if that cannot be made durable. */
    void closeFailedTail(long lastIndex) {
        Durable before = durable();
        long failedFrom = deadRanges.failedFrom();
        deadRanges.closeFailedTail(lastIndex);
        try {
            persistOrRestore(before);
        } catch (KafkaStorageException e) {
            if (failedFrom >= 0) {
                deadRanges.markFailedFrom(failedFrom); // still open-ended until it is durable
            }
            throw e;
        }
    }

    /** The durable state, to put back when persisting a change fails. */
    private record Durable(long generation, long logStartOffset, long nextOffsetFloor, long highWatermark,
                           List<long[]> deadRanges, List<LeaderEpochCache.Entry> epochs, long cleanedTo) {
    }

    private Durable durable() {
        return new Durable(generation, logStartOffset, nextOffsetFloor, highWatermark, deadRanges.toList(),
                epochs.entries(), cleanedTo);
    }

    /** Persists a change made in memory; if that fails, the change is undone and the failure thrown. */
    private void persistOrRestore(Durable before) {
        try {
            persist();
        } catch (KafkaStorageException e) {
            generation = before.generation();
            logStartOffset = before.logStartOffset();
            nextOffsetFloor = before.nextOffsetFloor();
            highWatermark = before.highWatermark();
            deadRanges.replaceWith(before.deadRanges());
            epochs.replaceWith(before.epochs());
            cleanedTo = before.cleanedTo();
            throw e;
        }
    }

    private void persistOrRestoreEpochs(List<LeaderEpochCache.Entry> before) {
        try {
            persist();
        } catch (KafkaStorageException e) {
            epochs.replaceWith(before);
            throw e;
        }
    }

    /** Under the log's write lock: persists, or notes that the state is pending (logged once until a write succeeds, if {@code logIt}). */
    boolean tryPersist(String what, boolean logIt) {
        return tryWrite(snapshot(), what, logIt, false);
    }

    /**
     * Under the log's write lock: the snapshot a high-watermark checkpoint writes (with
     * {@link #tryCheckpoint}, after releasing the lock), or null if there is nothing to write.
     */
    Snapshot checkpointSnapshot() {
        return checkpointDue() ? snapshot() : null;
    }

    /**
     * With no lock held: writes a checkpoint's snapshot unless a newer one was written or writes
     * are closed; a failure is noted as pending, logged once until a write succeeds.
     *
     * @return false if the write failed
     */
    boolean tryCheckpoint(Snapshot snapshot) {
        hooks.afterSnapshot().run();
        return tryWrite(snapshot, "checkpoint", true, true);
    }

    private boolean tryWrite(Snapshot snapshot, String what, boolean logIt, boolean checkpoint) {
        persistLock.lock();
        try {
            writeLocked(snapshot, checkpoint);
            return true;
        } catch (KafkaStorageException e) {
            if (!statePending && logIt) {
                log.warn("{}: cannot write {} ({}): {}; retried at each high-watermark checkpoint", topicPartition,
                        PartitionState.FILE_NAME, what, e.getMessage());
            }
            statePending = true;
            return false;
        } finally {
            persistLock.unlock();
        }
    }

    /**
     * Under the log's write lock: persists the state in memory now.
     *
     * @throws KafkaStorageException the file could not be written (its old content stays)
     */
    void persist() {
        persistLock.lock();
        try {
            if (writesClosed) {
                throw new LogClosedException(topicPartition);
            }
            writeLocked(snapshot(), false);
        } finally {
            persistLock.unlock();
        }
    }

    /** Under the log's write lock, as the log closes: waits for a write in progress; later writes are skipped. */
    void closeWrites() {
        persistLock.lock();
        try {
            writesClosed = true;
        } finally {
            persistLock.unlock();
        }
    }

    /** Sets hooks run around checkpoint writes; for tests. */
    void hooks(CheckpointHooks hooks) {
        this.hooks = hooks;
    }

    private Snapshot snapshot() {
        return new Snapshot(++snapshotVersion, new PartitionState(generation, logStartOffset, nextOffsetFloor,
                highWatermark, deadRanges.toList(), epochs.entries(), cleanedTo));
    }

    /** Under {@link #persistLock}: writes {@code snapshot}, unless writes are closed or a newer one was written. */
    private void writeLocked(Snapshot snapshot, boolean checkpoint) {
        if (writesClosed || snapshot.version() <= writtenVersion) {
            return; // the log is closed (its directory may be gone), or a newer state is on disk already
        }
        if (checkpoint) {
            hooks.whileWriting().run();
        }
        try {
            snapshot.state().write(dir);
        } catch (UncheckedIOException e) {
            throw new KafkaStorageException("Cannot write " + PartitionState.FILE_NAME + " of " + topicPartition
                    + ": " + e.getCause(), e);
        }
        writtenVersion = snapshot.version();
        if (statePending) {
            log.info("{}: {} written again", topicPartition, PartitionState.FILE_NAME);
            statePending = false;
        }
        checkpointedHighWatermark = snapshot.state().highWatermark();
    }
}
