package io.weir.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one topic-partition: Kafka v2 record batches stored byte for byte as
 * excerpts of a Chronicle Queue, one excerpt per batch. This class is the facade: the
 * public API and the lock ({@link LogGuard}); the work is done by {@link LogState} (the durable
 * state, {@link PartitionState}), {@link BatchValidator} (checks before the lock), {@link AppendPlanner}
 * (offsets, producer checks), {@link QueueHandle} (Chronicle), {@link LiveBatches} and
 * {@link LogReader} (writing and scanning batches), {@link LogRecovery} (the open-time
 * scan), {@link RetentionPlanner} (what retention deletes), {@link LogCompaction} (the cleaner's
 * passes) and {@link WriteFailure} (failed writes and resuming after them).
 *
 * <p>Chronicle is append-only, so truncation marks excerpt ranges dead in
 * {@link PartitionState} (persisted atomically before anything else changes) and a full
 * truncation starts a fresh queue directory. Retention deletes whole Chronicle roll files
 * and advances the log start offset. Offsets, the sparse offset index, per-file
 * statistics and idempotent-producer state are rebuilt by one scan of the batch headers
 * when the log opens; the scan also drops a torn or corrupt tail left by a crash.
 *
 * <p>Space before acknowledgement: an append claims its bytes from the data directory's
 * {@link DiskSpace} guard before writing, and is refused (KAFKA_STORAGE_ERROR) when the
 * directory is full. If a write fails anyway, the log stays as it was before the append and
 * appends are refused until the directory has room again (see {@link WriteFailure}).
 *
 * <p>Concurrency: appends, truncation, retention and close take the write lock, reads
 * take the read lock, so reads run concurrently with each other. The Chronicle queue
 * itself may be closed while the partition is idle ({@link LogManager} bounds how many
 * are open) and is reopened on the next use.
 */
public final class PartitionLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    /** Least time between two attempts to resume appends after a failed write. */
    static final long RESUME_BACKOFF_MS = 1_000;

    private final TopicPartition topicPartition;
    private final Path dir;
    private final Clock clock;
    private final LogManager owner;
    /** The data directory's free-space guard; null for a standalone log (no guard). */
    private final DiskSpace space;
    private volatile LogConfig config;

    private final LogGuard guard;
    private final ReentrantReadWriteLock lock;
    private final QueueHandle queue;
    private final LogReader reader;
    /** When the queue was last needed (opened, read or written), by the clock; for {@link LogManager}. */
    private volatile long lastUsedMs;

    // Durable state (mirrored in partition.state).
    private final LogState state;
    private final LeaderEpochCache epochs;
    private final WriteFailure writeFailure;
    // The batches, what is derived from them, and what changes them.
    private final LogContents contents;
    private final LiveBatchIndex batches;
    private final ProducerStateManager producers;

    PartitionLog(TopicPartition topicPartition, Path dir, LogConfig config, Clock clock, LogManager owner,
                 DiskSpace space) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.owner = owner;
        this.space = space;
        this.state = new LogState(topicPartition, dir);
        this.epochs = state.epochs();
        this.writeFailure = new WriteFailure(topicPartition, clock, space);
        // The LogManager, if any, counts open queues to close idle ones.
        Runnable opened = owner == null ? () -> { } : () -> owner.queueOpened(this);
        Runnable closedQueue = owner == null ? () -> { } : () -> owner.queueClosed(this);
        this.queue = new QueueHandle(dir, config.rollCycle(), clock, opened, closedQueue);
        // Only a LogManager closes queues by how recently they were used.
        Runnable used = owner == null ? () -> { } : () -> lastUsedMs = clock.millis();
        this.guard = new LogGuard(topicPartition, queue, state, this::config, used);
        this.lock = guard.lock();
        this.contents = new LogContents(topicPartition, this::config, queue, state, writeFailure);
        this.batches = contents.batches();
        this.producers = contents.producers();
        this.reader = new LogReader(topicPartition, batches, contents.live(), epochs);
        lock.writeLock().lock();
        try {
            // A new log's Chronicle queue is created on its first append or read of bytes, not here:
            // creating one costs milliseconds, and a topic of thousands of partitions creates
            // thousands of logs at once, most of them idle for a while. Its state is the initial one.
            boolean isNew = !Files.exists(dir);
            Files.createDirectories(dir);
            PartitionState persisted = state.load();
            if (!isNew) {
                queue.removeOtherGenerations(state.generation());
                queue.open(state.generation(), config.blockSize());
                // An existing queue keeps the roll cycle it was created with.
                this.config = config.withRollCycle(queue.rollCycle());
            }
            contents.rebuild(persisted.epochs());
            state.setHighWatermark(clamp(persisted.highWatermark()));
            state.setCheckpointedHighWatermark(persisted.highWatermark());
        } catch (IOException | UncheckedIOException e) {
            throw new KafkaStorageException("Cannot open partition log in " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Opens (creating if needed) a standalone log with no {@link LogManager}; for tests and tools. */
    public static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, Clock clock) {
        return new PartitionLog(tp, dir, config, clock, null, null);
    }

    /** As {@link #open(TopicPartition, Path, LogConfig, Clock)}, with appends guarded by {@code space}. */
    public static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, Clock clock, DiskSpace space) {
        return new PartitionLog(tp, dir, config, clock, null, space);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public LogConfig config() {
        return config;
    }

    /**
     * Applies changed topic configs; retention and size limits take effect on the next append or
     * retention pass, compaction settings at the next cleaner pass. The roll cycle is fixed when the
     * queue is created ({@code segment.ms} applies to new logs only), so the log keeps its own.
     */
    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig.withRollCycle(config.rollCycle());
    }

    public long logStartOffset() {
        return state.logStartOffset();
    }

    /** The log end offset (LEO): the offset the next appended record gets. */
    public long logEndOffset() {
        return contents.logEndOffset();
    }

    public long highWatermark() {
        return state.highWatermark();
    }

    /**
     * Bytes of live batches in the log, read without the log's lock: callers that only report or
     * weigh the size (the controller's balancer, DescribeLogDirs, move progress) must never wait
     * for a compaction or a slow queue open holding the log. A write in progress may or may not
     * be counted yet.
     */
    public long sizeInBytes() {
        return batches.sizeInBytes();
    }

    /**
     * Bytes of live batches from the one holding {@code offset} to the log end, as a follower
     * fetching from {@code offset} still has to copy (up to one sparse-index interval, 4 KiB,
     * more; the whole log below the first index entry); 0 at or past the log end offset.
     */
    public long bytesFrom(long offset) {
        return guard.underReadLock(() -> offset >= contents.logEndOffset() ? 0L
                : Math.min(batches.sizeInBytes(), batches.bytesFrom(Math.max(offset, state.logStartOffset()))));
    }

    /** The idempotent producers this log holds state for (Kafka's DescribeProducers). */
    public List<ActiveProducer> activeProducers() {
        return guard.underReadLock(producers::activeProducers);
    }

    public int latestEpoch() {
        return guard.underReadLock(epochs::latestEpoch);
    }

    /** Leader epochs with their start offsets, oldest first. */
    public List<EpochEndOffset> epochStartOffsets() {
        return guard.underReadLock(() -> epochs.entries().stream()
                .map(e -> new EpochEndOffset(e.epoch(), e.startOffset())).toList());
    }

    /**
     * Moves the high watermark, clamped to [log start offset, LEO]. It is checkpointed by
     * {@link #checkpointHighWatermark()} and on close, so after a crash it may be behind. Takes no
     * lock when the high watermark stays (a leader publishes it on every follower fetch): the
     * log start offset ≤ HW ≤ LEO holds whenever the lock is free, so an unchanged value needs no clamp.
     */
    public void updateHighWatermark(long newHighWatermark) {
        if (newHighWatermark == state.highWatermark()) {
            return;
        }
        guard.underWriteLock(() -> state.setHighWatermark(clamp(newHighWatermark)));
    }

    /**
     * Persists the high watermark if it changed since the last checkpoint (and any state a full
     * disk kept from being written). A failure is logged once and retried by the next checkpoint.
     * Holds the log's lock only to take the snapshot: the file write and its fsyncs run after,
     * so appends and reads do not wait for them (see {@link LogState} for why that is safe).
     */
    public void checkpointHighWatermark() {
        LogState.Snapshot snapshot = guard.underWriteLock(() -> guard.closed() ? null : state.checkpointSnapshot());
        if (snapshot != null) {
            state.tryCheckpoint(snapshot);
        }
    }

    /** Whether appends are refused because a write failed (until the data directory has room again). */
    public boolean writeFailed() {
        return writeFailure.failed();
    }

    /**
     * Resumes appends after a failed write if the data directory has room again (see
     * {@link WriteFailure#ensureWritable}); for logs nobody appends to. Skipped while the log is busy.
     *
     * @return whether appends are allowed now
     */
    boolean resumeIfPossible() {
        if (!writeFailure.failed()) {
            return true;
        }
        if (!lock.writeLock().tryLock()) {
            return false;
        }
        try {
            if (guard.closed()) {
                return false;
            }
            guard.ensureOpenLocked();
            writeFailure.ensureWritable(queue, state, config.blockSize(), contents.logEndOffset());
            return true;
        } catch (KafkaStorageException e) {
            return false;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Appends batches a producer sent, as the partition leader: validates every batch
     * (magic v2, sizes, CRC, every field of every record, compressed or not, and the
     * idempotent-producer sequence; see {@link BatchValidator}), assigns
     * offsets from the LEO and the leader epoch in place, stamps the log append time when the
     * log uses it, and writes the batches. Nothing is written if any batch is invalid.
     *
     * @throws CorruptRecordException   a batch is truncated, fails its CRC or does not decompress
     * @throws RecordTooLargeException  a batch exceeds {@code max.message.bytes}, or decompresses past 64 × that
     * @throws InvalidRecordException   a batch is not v2, or its records are malformed or inconsistent
     * @throws InvalidRecordTimestampsException a CreateTime log's record has a timestamp further than
     *                                  {@code message.timestamp.before.max.ms} behind or {@code after.max.ms}
     *                                  ahead of the log's clock (INVALID_TIMESTAMP)
     * @throws org.apache.kafka.common.errors.UnsupportedCompressionTypeException a batch names an unknown codec
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException   an idempotent batch skips sequence numbers
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException an idempotent batch has a stale epoch
     * @throws KafkaStorageException    the data directory is full, or the write failed; nothing is visible
     */
    public LogAppendInfo appendAsLeader(MemoryRecords records, int leaderEpoch) {
        LogConfig cfg = config;
        boolean bounded = cfg.timestampBeforeMaxMs() != Long.MAX_VALUE || cfg.timestampAfterMaxMs() != Long.MAX_VALUE;
        TimestampBounds bounds = cfg.timestampType() == TimestampType.CREATE_TIME && bounded
                ? new TimestampBounds(clock.millis(), cfg.timestampBeforeMaxMs(), cfg.timestampAfterMaxMs())
                : null;
        List<BatchHeader> headers = BatchValidator.validate(records, cfg.maxMessageBytes(), true, cfg.compact(), bounds);
        return guard.underWriteLock(() -> {
            guard.ensureOpenLocked();
            writeFailure.ensureWritable(queue, state, config.blockSize(), contents.logEndOffset());
            ProducerStateManager.Staged staged = producers.stage();
            AppendPlanner.LeaderPlan plan = AppendPlanner.planLeader(headers, contents.logEndOffset(), staged);
            if (plan.duplicate().isPresent()) {
                return plan.duplicateInfo();
            }
            claimSpace(records);
            state.assignLeaderEpoch(leaderEpoch, contents.logEndOffset());
            long now = clock.millis();
            TimestampType timestampType = config.timestampType();
            AppendPlanner.stamp(records, headers, plan, leaderEpoch, timestampType, now);
            LogAppendInfo info = contents.write(records, timestampType == TimestampType.LOG_APPEND_TIME ? now : -1);
            staged.commit();
            return info;
        });
    }

    /**
     * Appends batches fetched from the partition leader, keeping their offsets and leader
     * epochs. Offsets must continue after the LEO.
     */
    public LogAppendInfo appendAsFollower(MemoryRecords records) {
        // The leader already enforced max.message.bytes; a follower only needs the batch to fit Chronicle.
        int maxBatchBytes = (int) Math.min(Integer.MAX_VALUE, config.blockSize() / 4);
        List<BatchHeader> headers = BatchValidator.validate(records, maxBatchBytes, false);
        return guard.underWriteLock(() -> {
            guard.ensureOpenLocked();
            writeFailure.ensureWritable(queue, state, config.blockSize(), contents.logEndOffset());
            AppendPlanner.checkFollowerOffsets(headers, contents.logEndOffset(), topicPartition);
            claimSpace(records);
            state.assignFollowerEpochs(headers);
            LogAppendInfo info = contents.write(records, -1);
            headers.forEach(producers::replay);
            return info;
        });
    }

    private void claimSpace(MemoryRecords records) {
        if (space != null) {
            space.claim(topicPartition, records.sizeInBytes(), config.blockSize());
        }
    }

    /**
     * Reads stored batches starting with the one containing {@code fetchOffset}, never
     * including a batch that reaches {@code maxOffsetExclusive} (the high watermark for
     * consumers, the LEO for followers), up to {@code maxBytes} — but at least one whole
     * batch when {@code minOneMessage} is set, as Kafka does.
     *
     * @throws OffsetOutOfRangeException fetchOffset is below the log start offset or above the LEO
     */
    public LogReadResult read(long fetchOffset, int maxBytes, long maxOffsetExclusive, boolean minOneMessage) {
        return read(fetchOffset, maxBytes, maxOffsetExclusive, minOneMessage, ReadMemory.HEAP);
    }

    /**
     * {@link #read(long, int, long, boolean)} into a buffer from {@code memory} (at most one,
     * asked for only when a batch qualifies): the records are a view of it, valid as long as the
     * caller keeps that memory.
     */
    public LogReadResult read(long fetchOffset, int maxBytes, long maxOffsetExclusive, boolean minOneMessage,
                              ReadMemory memory) {
        // A read that needs no bytes (a follower or consumer at the end of an idle log, an offset
        // out of range, or a read allowed no bytes: a full response, a throttled replica, a fetch
        // past its time budget) is answered from memory, so idle logs keep their queues closed.
        LogReadResult withoutBytes = guard.underReadLock(() -> {
            if (guard.closed()) {
                throw new LogClosedException(topicPartition);
            }
            long start = state.logStartOffset();
            long end = contents.logEndOffset();
            if (!LogReader.needsBytes(start, end, fetchOffset, maxOffsetExclusive)) {
                return reader.read(start, end, state.highWatermark(), fetchOffset, maxBytes, maxOffsetExclusive,
                        minOneMessage, memory);
            }
            return maxBytes <= 0 && !minOneMessage
                    ? new LogReadResult(MemoryRecords.EMPTY, start, end, state.highWatermark()) : null;
        });
        if (withoutBytes != null) {
            return withoutBytes;
        }
        return guard.underReadLockOpen(() -> reader.read(state.logStartOffset(), contents.logEndOffset(),
                state.highWatermark(), fetchOffset, maxBytes, maxOffsetExclusive, minOneMessage, memory));
    }

    /**
     * Kafka's OffsetForLeaderEpoch: the largest epoch ≤ {@code leaderEpoch} this log knows
     * and the offset where it ends (the LEO for the latest epoch).
     */
    public EpochEndOffset endOffsetForEpoch(int leaderEpoch) {
        return guard.underReadLock(() -> epochs.endOffsetFor(leaderEpoch, contents.logEndOffset()));
    }

    /**
     * Kafka's ListOffsets lookup. {@code timestamp} is a time in ms (the first record with a
     * timestamp ≥ it) or one of {@link org.apache.kafka.common.requests.ListOffsetsRequest}'s
     * EARLIEST_TIMESTAMP (-2), LATEST_TIMESTAMP (-1), MAX_TIMESTAMP (-3), EARLIEST_LOCAL (-4).
     * Bounding the answer by the high watermark is the caller's business.
     *
     * @return empty when no record has a timestamp that late
     */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        Supplier<Optional<TimestampAndOffset>> lookup = () -> reader.offsetForTimestamp(timestamp,
                state.logStartOffset(), contents.logEndOffset());
        // The earliest and latest offsets are known without reading the queue.
        return timestamp == -2L || timestamp == -1L || timestamp == -4L
                ? guard.underReadLock(lookup) : guard.underReadLockOpen(lookup);
    }

    /**
     * Removes every batch from the one containing {@code offset} onwards, so the LEO
     * becomes that batch's base offset (≤ offset). For a follower whose log diverged from
     * the leader's. Durable before it returns.
     */
    public void truncateTo(long offset) {
        guard.underWriteLock(() -> {
            guard.ensureOpenLocked();
            contents.truncateTo(offset);
        });
    }

    /** Deletes every batch and restarts the log empty at {@code offset}. Durable before it returns. */
    public void truncateFullyAndStartAt(long offset) {
        guard.underWriteLock(() -> {
            guard.ensureOpenLocked();
            contents.truncateFullyAndStartAt(offset);
        });
    }

    /**
     * Deletes whole roll files that are past retention (by time: their newest batch is older
     * than retention.ms; by size: the log stays above retention.bytes without them), oldest
     * first, never the newest file with data and never data at or above the high watermark.
     *
     * @return the number of roll files deleted
     */
    public int applyRetention() {
        return guard.underWriteLock(() -> {
            if (guard.closed()) {
                throw new LogClosedException(topicPartition);
            }
            // Planned from memory; the queue opens only if a file is due for deletion.
            return contents.applyRetention(clock.millis(), guard::ensureOpenLocked);
        });
    }

    /**
     * DeleteRecords: moves the log start offset up to {@code offset}, persisted before it returns,
     * never back and never past the high watermark (OffsetOutOfRangeException); returns it.
     */
    public long advanceLogStartOffset(long offset) {
        guard.underWriteLock(() -> {
            guard.ensureOpenLocked();
            if (offset > state.highWatermark()) {
                throw new OffsetOutOfRangeException(topicPartition + ": log start " + offset + " past HW "
                        + state.highWatermark());
            }
            if (offset > state.logStartOffset()) {
                state.advanceStart(offset);
            }
        });
        return state.logStartOffset();
    }

    /**
     * One pass of the log cleaner, if {@code cleanup.policy} includes compact and the log is due one
     * (see {@link CleanerPlanner}): keeps the latest record per key below the end of the pass, never
     * touching the active roll file nor anything at or above {@code upperBound} or the high watermark,
     * and rewrites the log into a new queue generation (see {@link LogCompaction}). Appends and reads
     * go on while it copies; it holds the write lock only for the swap.
     *
     * @param upperBound the caller's bound (the high watermark, or the last stable offset)
     * @return what the pass did; empty if the log was not due one or changed under it
     */
    public Optional<CompactionResult> compact(long upperBound, OffsetMap map, Throttler throttler)
            throws InterruptedException {
        LogConfig cfg = config;
        if (!cfg.compact() || !LogCompaction.roomFor(topicPartition, space, cfg, this::sizeInBytes)) {
            return Optional.empty();
        }
        return new LogCompaction(new LogCompaction.Log(topicPartition, dir, cfg, clock, lock, queue, state, contents,
                guard::ensureOpen), map, throttler).run(upperBound);
    }

    /** The log cleaner's checkpoint: records below it have been compacted. */
    public long cleanedTo() {
        return guard.underReadLock(state::cleanedTo);
    }

    /** Number of Chronicle roll files holding this log. */
    public int rollFileCount() {
        return guard.underReadLock(batches::rollFileCount);
    }

    /**
     * Checkpoints what is not yet durable and closes; the directory can be reopened later. Every
     * change but the high watermark is durable when made, so a log whose high watermark did not
     * move since its last checkpoint writes nothing: closing thousands of idle logs costs no
     * fsyncs.
     */
    @Override
    public void close() {
        close(true);
    }

    /**
     * Closes without a checkpoint, for a log whose directory is deleted next: its state would be
     * written and fsynced only to be removed (a topic of thousands of partitions deleted at once
     * would cost two fsyncs per partition). Crash-safe: until the directory is renamed away the
     * previous {@code partition.state} stays valid, only with an older high watermark.
     */
    void discard() {
        close(false);
    }

    private void close(boolean checkpoint) {
        guard.underWriteLock(() -> {
            if (guard.closed()) {
                return;
            }
            guard.markClosed();
            if (!checkpoint) {
                state.closeWrites(); // waits for a checkpoint writing now: the directory may be renamed next
                queue.close();
                return;
            }
            try {
                boolean failedTail = state.deadRanges().hasFailedTail() && queue.isOpen();
                if (failedTail) {
                    state.deadRanges().closeFailedTail(queue.lastIndex());
                }
                if (failedTail || state.checkpointDue()) {
                    // A LogManager reports the logs it could not checkpoint in one line, not one each.
                    state.tryPersist("close", owner == null);
                }
            } catch (RuntimeException | InternalError e) {
                log.warn("{}: could not record the end of a failed write on close: {}", topicPartition, e.toString());
            } finally {
                state.closeWrites();
                queue.close();
            }
        });
    }

    /** The log's lock, so a test can hold it while checking what must not wait for it. */
    java.util.concurrent.locks.ReentrantReadWriteLock lock() {
        return lock;
    }

    /** Sets hooks run around checkpoint writes, so a test can race them deterministically. */
    void checkpointHooks(Runnable afterSnapshot, Runnable whileWriting) {
        state.hooks(new LogState.CheckpointHooks(afterSnapshot, whileWriting));
    }

    /** Whether {@code partition.state} holds less than memory does, because writing it failed. */
    boolean statePending() {
        return state.statePending();
    }

    /** When the queue was last opened, read or written (0 if never), by the log's clock. */
    long lastUsedMs() {
        return lastUsedMs;
    }

    /** True while the Chronicle queue is open (it is closed when idle, see {@link LogManager}). */
    boolean isQueueOpen() {
        return queue.isOpen();
    }

    /**
     * Closes the Chronicle queue if nobody is using the log right now; it reopens on next use.
     * Never the queue of a log this thread holds (an opener closing others at the bound).
     */
    boolean closeQueueIfIdle() {
        if (lock.isWriteLockedByCurrentThread() || !lock.writeLock().tryLock()) {
            return false;
        }
        try {
            if (!queue.isOpen()) {
                return false;
            }
            queue.close();
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Heap bytes held by the in-memory index and bookkeeping, roughly. */
    long heapBytesEstimate() {
        return 512 + batches.heapBytes() + 64L * producers.producerCount();
    }

    // ---------------------------------------------------------------- internals

    private long clamp(long offset) {
        return Math.max(state.logStartOffset(), Math.min(offset, contents.logEndOffset()));
    }
}
