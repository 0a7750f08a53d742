package io.weir.storage;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import net.openhft.chronicle.bytes.Bytes;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one topic-partition: Kafka v2 record batches stored byte for byte as
 * excerpts of a Chronicle Queue, one excerpt per batch. This class is the facade: the
 * public API, the lock, and the durable state ({@link PartitionState}); the work is done by
 * {@link BatchValidator} (checks before the lock), {@link AppendPlanner} (offsets,
 * producer checks), {@link QueueHandle} (Chronicle), {@link LiveBatches} and
 * {@link LogReader} (writing and scanning batches), {@link LogRecovery} (the open-time
 * scan) and {@link RetentionPlanner} (what retention deletes).
 *
 * <p>Chronicle is append-only, so truncation marks excerpt ranges dead in
 * {@link PartitionState} (persisted atomically before anything else changes) and a full
 * truncation starts a fresh queue directory. Retention deletes whole Chronicle roll files
 * and advances the log start offset. Offsets, the sparse offset index, per-file
 * statistics and idempotent-producer state are rebuilt by one scan of the batch headers
 * when the log opens; the scan also drops a torn or corrupt tail left by a crash.
 *
 * <p>Concurrency: appends, truncation, retention and close take the write lock, reads
 * take the read lock, so reads run concurrently with each other. The Chronicle queue
 * itself may be closed while the partition is idle ({@link LogManager} bounds how many
 * are open) and is reopened on the next use.
 */
public final class PartitionLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    private final TopicPartition topicPartition;
    private final Path dir;
    private final Clock clock;
    private final LogManager owner;
    private volatile LogConfig config;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final QueueHandle queue;
    private final LiveBatches live;
    private final LogReader reader;

    // Durable state (mirrored in partition.state).
    private long generation;
    private final DeadRanges deadRanges = new DeadRanges();
    private final LeaderEpochCache epochs = new LeaderEpochCache();
    private long nextOffsetFloor;

    // Derived from the log by a scan, then kept up to date by appends.
    private final LiveBatchIndex batches = new LiveBatchIndex();
    private final ProducerStateManager producers = new ProducerStateManager();

    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long highWatermark;
    private long checkpointedHighWatermark;

    private boolean closed;

    PartitionLog(TopicPartition topicPartition, Path dir, LogConfig config, Clock clock, LogManager owner) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.owner = owner;
        // The LogManager, if any, counts open queues to close idle ones.
        Runnable opened = owner == null ? () -> { } : () -> owner.queueOpened(this);
        Runnable closedQueue = owner == null ? () -> { } : () -> owner.queueClosed(this);
        this.queue = new QueueHandle(dir, config.rollCycle(), clock, opened, closedQueue);
        this.live = new LiveBatches(queue, deadRanges);
        this.reader = new LogReader(topicPartition, batches, live, epochs);
        lock.writeLock().lock();
        try {
            Files.createDirectories(dir);
            PartitionState state = PartitionState.readOrInitial(dir);
            generation = state.generation();
            logStartOffset = state.logStartOffset();
            nextOffsetFloor = state.nextOffsetFloor();
            deadRanges.replaceWith(state.deadRanges());
            queue.removeOtherGenerations(generation);
            queue.open(generation, config.blockSize());
            rebuildFromLog(state.epochs());
            highWatermark = clamp(state.highWatermark());
            checkpointedHighWatermark = state.highWatermark();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open partition log in " + dir, e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Opens (creating if needed) a standalone log with no {@link LogManager}; for tests and tools. */
    public static PartitionLog open(TopicPartition tp, Path dir, LogConfig config, Clock clock) {
        return new PartitionLog(tp, dir, config, clock, null);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public LogConfig config() {
        return config;
    }

    /** Applies changed topic configs; retention and size limits take effect on the next append or retention pass. */
    public void updateConfig(LogConfig newConfig) {
        if (!newConfig.rollCycle().equals(config.rollCycle())) {
            throw new IllegalArgumentException("The roll cycle of an existing log cannot change");
        }
        this.config = newConfig;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    /** The log end offset (LEO): the offset the next appended record gets. */
    public long logEndOffset() {
        return logEndOffset;
    }

    public long highWatermark() {
        return highWatermark;
    }

    /** Bytes of live batches in the log. */
    public long sizeInBytes() {
        return underReadLock(batches::sizeInBytes);
    }

    public int latestEpoch() {
        return underReadLock(epochs::latestEpoch);
    }

    /** Leader epochs with their start offsets, oldest first. */
    public List<EpochEndOffset> epochStartOffsets() {
        return underReadLock(() -> epochs.entries().stream()
                .map(e -> new EpochEndOffset(e.epoch(), e.startOffset())).toList());
    }

    /**
     * Moves the high watermark, clamped to [log start offset, LEO]. It is checkpointed by
     * {@link #checkpointHighWatermark()} and on close, so after a crash it may be behind.
     */
    public void updateHighWatermark(long newHighWatermark) {
        underWriteLock(() -> highWatermark = clamp(newHighWatermark));
    }

    /** Persists the high watermark if it changed since the last checkpoint. */
    public void checkpointHighWatermark() {
        underWriteLock(() -> {
            if (!closed && highWatermark != checkpointedHighWatermark) {
                persistState();
            }
        });
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
     * @throws org.apache.kafka.common.errors.UnsupportedCompressionTypeException a batch names an unknown codec
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException   an idempotent batch skips sequence numbers
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException an idempotent batch has a stale epoch
     */
    public LogAppendInfo appendAsLeader(MemoryRecords records, int leaderEpoch) {
        List<BatchHeader> headers = BatchValidator.validate(records, config.maxMessageBytes(), true);
        lock.writeLock().lock();
        try {
            ensureOpenLocked();
            ProducerStateManager.Staged staged = producers.stage();
            AppendPlanner.LeaderPlan plan = AppendPlanner.planLeader(headers, logEndOffset, staged);
            if (plan.duplicate().isPresent()) {
                return plan.duplicateInfo();
            }
            long now = clock.millis();
            TimestampType timestampType = config.timestampType();
            AppendPlanner.stamp(records, headers, plan, leaderEpoch, timestampType, now);
            if (leaderEpoch > epochs.latestEpoch()) {
                epochs.assign(leaderEpoch, logEndOffset);
                persistState();
            }
            LogAppendInfo info = writeBatches(records, timestampType == TimestampType.LOG_APPEND_TIME ? now : -1);
            staged.commit();
            return info;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Appends batches fetched from the partition leader, keeping their offsets and leader
     * epochs. Offsets must continue after the LEO.
     */
    public LogAppendInfo appendAsFollower(MemoryRecords records) {
        // The leader already enforced max.message.bytes; a follower only needs the batch to fit Chronicle.
        int maxBatchBytes = (int) Math.min(Integer.MAX_VALUE, config.blockSize() / 4);
        List<BatchHeader> headers = BatchValidator.validate(records, maxBatchBytes, false);
        lock.writeLock().lock();
        try {
            ensureOpenLocked();
            AppendPlanner.checkFollowerOffsets(headers, logEndOffset, topicPartition);
            if (AppendPlanner.assignFollowerEpochs(headers, epochs)) {
                persistState();
            }
            LogAppendInfo info = writeBatches(records, -1);
            headers.forEach(producers::replay);
            return info;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private LogAppendInfo writeBatches(MemoryRecords records, long logAppendTime) {
        LogAppendInfo info = live.append(records, logAppendTime, batches, config.indexIntervalBytes());
        assert info.lastOffset() + 1 > logEndOffset : "appends move the LEO forward: " + info + " at " + logEndOffset;
        logEndOffset = info.lastOffset() + 1;
        return info;
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
        ensureOpen();
        return underReadLock(() -> {
            if (!queue.isOpen()) {
                throw new IllegalStateException("Log of " + topicPartition + " is closed");
            }
            return reader.read(logStartOffset, logEndOffset, highWatermark, fetchOffset, maxBytes,
                    maxOffsetExclusive, minOneMessage);
        });
    }

    /**
     * Kafka's OffsetForLeaderEpoch: the largest epoch ≤ {@code leaderEpoch} this log knows
     * and the offset where it ends (the LEO for the latest epoch).
     */
    public EpochEndOffset endOffsetForEpoch(int leaderEpoch) {
        return underReadLock(() -> epochs.endOffsetFor(leaderEpoch, logEndOffset));
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
        ensureOpen();
        return underReadLock(() -> reader.offsetForTimestamp(timestamp, logStartOffset, logEndOffset));
    }

    /**
     * Removes every batch from the one containing {@code offset} onwards, so the LEO
     * becomes that batch's base offset (≤ offset). For a follower whose log diverged from
     * the leader's. Durable before it returns.
     */
    public void truncateTo(long offset) {
        lock.writeLock().lock();
        try {
            ensureOpenLocked();
            if (offset >= logEndOffset) {
                return;
            }
            if (offset <= logStartOffset) {
                truncateFullyAndStartAtLocked(offset);
                return;
            }
            Optional<LiveBatches.Cut> found = live.cutAt(logStartOffset, batches.startIndexFor(offset), offset);
            if (found.isEmpty()) {
                return;
            }
            LiveBatches.Cut cut = found.get();
            // The dead range is the commit point: durable before the derived state changes.
            deadRanges.add(cut.excerptIndex(), queue.lastIndex());
            nextOffsetFloor = cut.baseOffset();
            epochs.truncateFromEnd(cut.baseOffset());
            highWatermark = Math.min(highWatermark, cut.baseOffset());
            persistState();
            rebuildFromLog(epochs.entries());
            log.info("Truncated {} to offset {} (requested {})", topicPartition, logEndOffset, offset);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Deletes every batch and restarts the log empty at {@code offset}. Durable before it returns. */
    public void truncateFullyAndStartAt(long offset) {
        underWriteLock(() -> {
            ensureOpenLocked();
            truncateFullyAndStartAtLocked(offset);
        });
    }

    private void truncateFullyAndStartAtLocked(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("Offset must not be negative: " + offset);
        }
        generation++;
        deadRanges.clear();
        epochs.clear();
        logStartOffset = offset;
        nextOffsetFloor = offset;
        highWatermark = offset;
        persistState();
        queue.startGeneration(generation, config.blockSize());
        rebuildFromLog(List.of());
        log.info("Truncated {} fully, restarting at offset {}", topicPartition, offset);
    }

    /**
     * Deletes whole roll files that are past retention (by time: their newest batch is older
     * than retention.ms; by size: the log stays above retention.bytes without them), oldest
     * first, never the newest file with data and never data at or above the high watermark.
     *
     * @return the number of roll files deleted
     */
    public int applyRetention() {
        lock.writeLock().lock();
        try {
            ensureOpenLocked();
            LogConfig cfg = config;
            Optional<RetentionPlanner.Plan> planned = RetentionPlanner.plan(batches.rollFiles(),
                    batches.sizeInBytes(), logStartOffset, highWatermark, clock.millis(), cfg.retentionMs(),
                    cfg.retentionBytes());
            if (planned.isEmpty()) {
                return 0;
            }
            RetentionPlanner.Plan plan = planned.get();
            // The new start offset is durable before any file goes: a crash in between leaves
            // files whose batches the next open ignores, never a start offset pointing at nothing.
            logStartOffset = plan.newLogStartOffset();
            epochs.truncateFromStart(logStartOffset);
            persistState();
            for (File f : queue.deleteRollFiles(plan.doomed().stream().map(RetentionPlanner.RollFile::cycle).toList())) {
                log.warn("Could not delete {}", f);
            }
            batches.dropRollFiles(plan);
            // Forget dead ranges that lay wholly in deleted files; the kept files may still hold dead excerpts.
            deadRanges.forgetBefore(queue.firstIndexOf(plan.firstKept().cycle()));
            log.info("Retention deleted {} roll file(s) of {}; log start offset is now {}", plan.doomed().size(),
                    topicPartition, logStartOffset);
            return plan.doomed().size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * DeleteRecords: moves the log start offset up to {@code offset}, persisted before it returns,
     * never back and never past the high watermark (OffsetOutOfRangeException); returns it.
     */
    public long advanceLogStartOffset(long offset) {
        underWriteLock(() -> {
            ensureOpenLocked();
            if (offset > highWatermark) {
                throw new OffsetOutOfRangeException(topicPartition + ": log start " + offset + " past HW " + highWatermark);
            }
            if (offset > logStartOffset) {
                logStartOffset = offset;
                epochs.truncateFromStart(offset);
                persistState();
            }
        });
        return logStartOffset;
    }

    /** Number of Chronicle roll files holding this log. */
    public int rollFileCount() {
        return underReadLock(batches::rollFileCount);
    }

    /** Checkpoints and closes; the directory can be reopened later. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            persistState();
            queue.close();
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** True while the Chronicle queue is open (it is closed when idle, see {@link LogManager}). */
    boolean isQueueOpen() {
        return queue.isOpen();
    }

    /** Closes the Chronicle queue if nobody is using the log right now; it reopens on next use. */
    boolean closeQueueIfIdle() {
        if (!lock.writeLock().tryLock()) {
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

    private void underWriteLock(Runnable write) {
        lock.writeLock().lock();
        try {
            write.run();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private <T> T underReadLock(Supplier<T> read) {
        lock.readLock().lock();
        try {
            return read.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    private long clamp(long offset) {
        return Math.max(logStartOffset, Math.min(offset, logEndOffset));
    }

    private void ensureOpen() {
        if (queue.isOpen()) {
            return;
        }
        lock.writeLock().lock();
        try {
            ensureOpenLocked();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void ensureOpenLocked() {
        if (closed) {
            throw new IllegalStateException("Log of " + topicPartition + " is closed");
        }
        if (!queue.isOpen()) {
            queue.open(generation, config.blockSize());
        }
    }

    /**
     * Rebuilds everything derived from the log with one scan (see {@link RecoveryScan}); a
     * torn or corrupt tail is marked dead, durably, so it stays dropped.
     */
    private void rebuildFromLog(List<LeaderEpochCache.Entry> persistedEpochs) {
        LogRecovery.Result r = LogRecovery.rebuild(queue, deadRanges, logStartOffset, nextOffsetFloor,
                persistedEpochs, config.indexIntervalBytes(), batches, producers, epochs);
        logEndOffset = r.logEndOffset();
        if (r.corruptFrom() >= 0) {
            log.warn("{}: dropping the log tail from excerpt {} after a crash or corruption: {}", topicPartition,
                    Long.toHexString(r.corruptFrom()), r.corruption());
            deadRanges.add(r.corruptFrom(), Math.max(r.corruptFrom(), queue.lastIndex()));
            nextOffsetFloor = logEndOffset;
            persistState();
        }
    }

    private void persistState() {
        checkpointedHighWatermark = highWatermark;
        new PartitionState(generation, logStartOffset, nextOffsetFloor, highWatermark, deadRanges.toList(),
                epochs.entries()).write(dir);
    }
}
