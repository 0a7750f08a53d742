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
 * <p>Space before acknowledgement: an append claims its bytes from the data directory's
 * {@link DiskSpace} guard before writing, and is refused (KAFKA_STORAGE_ERROR) when the
 * directory is full. If a write fails anyway (a mapped page with no disk behind it, a Chronicle
 * or I/O error), the append throws {@link KafkaStorageException} and the log stays as it was
 * before it: whatever reached the queue is marked dead, the LEO and HW do not move, earlier
 * batches stay readable. Appends are then refused until the directory has room again, when
 * the queue is reopened (a fresh appender) and the dead mark persisted.
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

    /** Why appends are refused since a write failed; null while writable. */
    private volatile String writeFailure;
    private long nextResumeAttemptMs;
    /** partition.state could not be written (a full disk): the next checkpoint tries again. */
    private boolean statePending;

    private boolean closed;

    PartitionLog(TopicPartition topicPartition, Path dir, LogConfig config, Clock clock, LogManager owner,
                 DiskSpace space) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.owner = owner;
        this.space = space;
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

    /**
     * Persists the high watermark if it changed since the last checkpoint (and any state a full
     * disk kept from being written). A failure is logged once and retried by the next checkpoint.
     */
    public void checkpointHighWatermark() {
        underWriteLock(() -> {
            if (!closed && (highWatermark != checkpointedHighWatermark || statePending)) {
                tryPersistState("checkpoint", true);
            }
        });
    }

    /** Whether appends are refused because a write failed (until the data directory has room again). */
    public boolean writeFailed() {
        return writeFailure != null;
    }

    /**
     * Resumes appends after a failed write if the data directory has room again (see
     * {@link #ensureWritableLocked}); for logs nobody appends to. Skipped while the log is busy.
     *
     * @return whether appends are allowed now
     */
    boolean resumeIfPossible() {
        if (writeFailure == null) {
            return true;
        }
        if (!lock.writeLock().tryLock()) {
            return false;
        }
        try {
            if (closed) {
                return false;
            }
            ensureOpenLocked();
            ensureWritableLocked();
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
     * @throws org.apache.kafka.common.errors.UnsupportedCompressionTypeException a batch names an unknown codec
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException   an idempotent batch skips sequence numbers
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException an idempotent batch has a stale epoch
     * @throws KafkaStorageException    the data directory is full, or the write failed; nothing is visible
     */
    public LogAppendInfo appendAsLeader(MemoryRecords records, int leaderEpoch) {
        List<BatchHeader> headers = BatchValidator.validate(records, config.maxMessageBytes(), true);
        lock.writeLock().lock();
        try {
            ensureOpenLocked();
            ensureWritableLocked();
            ProducerStateManager.Staged staged = producers.stage();
            AppendPlanner.LeaderPlan plan = AppendPlanner.planLeader(headers, logEndOffset, staged);
            if (plan.duplicate().isPresent()) {
                return plan.duplicateInfo();
            }
            claimSpace(records);
            if (leaderEpoch > epochs.latestEpoch()) {
                List<LeaderEpochCache.Entry> before = epochs.entries();
                epochs.assign(leaderEpoch, logEndOffset);
                persistOrRestoreEpochs(before);
            }
            long now = clock.millis();
            TimestampType timestampType = config.timestampType();
            AppendPlanner.stamp(records, headers, plan, leaderEpoch, timestampType, now);
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
            ensureWritableLocked();
            AppendPlanner.checkFollowerOffsets(headers, logEndOffset, topicPartition);
            claimSpace(records);
            List<LeaderEpochCache.Entry> before = epochs.entries();
            if (AppendPlanner.assignFollowerEpochs(headers, epochs)) {
                persistOrRestoreEpochs(before);
            }
            LogAppendInfo info = writeBatches(records, -1);
            headers.forEach(producers::replay);
            return info;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void claimSpace(MemoryRecords records) {
        if (space != null) {
            space.claim(topicPartition, records.sizeInBytes(), config.blockSize());
        }
    }

    private void persistOrRestoreEpochs(List<LeaderEpochCache.Entry> before) {
        try {
            persistState();
        } catch (KafkaStorageException e) {
            epochs.replaceWith(before);
            throw e;
        }
    }

    private LogAppendInfo writeBatches(MemoryRecords records, long logAppendTime) {
        LogAppendInfo info;
        try {
            info = live.append(records, logAppendTime, batches, config.indexIntervalBytes());
        } catch (RuntimeException | InternalError e) {
            // Validation is done: anything thrown now is the disk or Chronicle failing.
            throw failWrites(e);
        }
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
            Durable before = durable();
            deadRanges.add(cut.excerptIndex(), queue.lastIndex());
            nextOffsetFloor = cut.baseOffset();
            epochs.truncateFromEnd(cut.baseOffset());
            highWatermark = Math.min(highWatermark, cut.baseOffset());
            persistOrRestore(before);
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
        Durable before = durable();
        generation++;
        deadRanges.replaceWith(List.of());
        epochs.clear();
        logStartOffset = offset;
        nextOffsetFloor = offset;
        highWatermark = offset;
        persistOrRestore(before);
        deadRanges.clear();
        try {
            queue.startGeneration(generation, config.blockSize());
        } catch (RuntimeException | InternalError e) {
            // The new, empty generation is durable; its queue is created when appends resume.
            batches.clear();
            producers.clear();
            logEndOffset = offset;
            writeFailure = e.toString();
            nextResumeAttemptMs = clock.millis() + RESUME_BACKOFF_MS;
            throw new KafkaStorageException("Cannot start the new queue of " + topicPartition + ": " + e, e);
        }
        // A fresh queue and appender: a failed write in the old generation no longer matters.
        writeFailure = null;
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
            Durable before = durable();
            logStartOffset = plan.newLogStartOffset();
            epochs.truncateFromStart(logStartOffset);
            persistOrRestore(before);
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
            closed = true;
            try {
                if (deadRanges.hasFailedTail() && queue.isOpen()) {
                    deadRanges.closeFailedTail(queue.lastIndex());
                }
                // A LogManager reports the logs it could not checkpoint in one line, not one each.
                tryPersistState("close", owner == null);
            } catch (RuntimeException | InternalError e) {
                log.warn("{}: could not record the end of a failed write on close: {}", topicPartition, e.toString());
            } finally {
                queue.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Whether {@code partition.state} holds less than memory does, because writing it failed. */
    boolean statePending() {
        return statePending;
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
            try {
                queue.open(generation, config.blockSize());
            } catch (RuntimeException | InternalError e) {
                throw new KafkaStorageException("Cannot open the queue of " + topicPartition + ": " + e, e);
            }
        }
    }

    /**
     * Appends are refused after a failed write until the data directory has room again; then
     * the queue is reopened (the failed appender's state is not trusted), the failed tail's end
     * recorded as a dead range and persisted, and appends go on. Attempts are at least
     * {@value #RESUME_BACKOFF_MS} ms apart.
     */
    private void ensureWritableLocked() {
        if (writeFailure == null) {
            return;
        }
        long now = clock.millis();
        if (now < nextResumeAttemptMs || (space != null && space.isFull())) {
            throw new KafkaStorageException("Appends to " + topicPartition + " are suspended since a write failed ("
                    + writeFailure + "); they resume when the data directory has room again");
        }
        nextResumeAttemptMs = now + RESUME_BACKOFF_MS;
        try {
            queue.close();
            queue.open(generation, config.blockSize());
            long lastIndex = queue.lastIndex();
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
        } catch (RuntimeException | InternalError e) {
            throw new KafkaStorageException("Appends to " + topicPartition + " cannot resume yet: " + e, e);
        }
        log.info("{}: appends resume after a failed write ({}); LEO {}, HW {}", topicPartition, writeFailure,
                logEndOffset, highWatermark);
        writeFailure = null;
    }

    /**
     * A write failed after validation: the disk is full or failing, or Chronicle broke. Marks
     * every excerpt after the last live batch dead (in memory until the queue is reopened), so
     * nothing of this append is ever read; the in-memory state is still the one before the
     * append, so the LEO and HW do not move. Appends are refused until {@link #ensureWritableLocked}
     * resumes them.
     */
    private KafkaStorageException failWrites(Throwable cause) {
        deadRanges.markFailedFrom(batches.lastLiveIndex() + 1);
        boolean first = writeFailure == null;
        writeFailure = cause.toString();
        nextResumeAttemptMs = clock.millis() + RESUME_BACKOFF_MS;
        if (space != null) {
            space.reportWriteFailure(topicPartition, cause);
        }
        if (first) {
            log.warn("{}: a write failed; appends answer KAFKA_STORAGE_ERROR until the data directory has room"
                    + " again. LEO stays {}, HW {}; earlier batches stay readable", topicPartition, logEndOffset,
                    highWatermark, cause);
        }
        return new KafkaStorageException("Write to " + topicPartition + " failed: " + cause, cause);
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
            // Dropped in memory now; if the disk is full, durable at the next checkpoint.
            tryPersistState("recovery", true);
        }
    }

    /** The durable state, to put back when persisting a change fails. */
    private record Durable(long generation, long logStartOffset, long nextOffsetFloor, long highWatermark,
                           List<long[]> deadRanges, List<LeaderEpochCache.Entry> epochs) {
    }

    private Durable durable() {
        return new Durable(generation, logStartOffset, nextOffsetFloor, highWatermark, deadRanges.toList(),
                epochs.entries());
    }

    /** Persists a change made in memory; if that fails, the change is undone and the failure thrown. */
    private void persistOrRestore(Durable before) {
        try {
            persistState();
        } catch (KafkaStorageException e) {
            generation = before.generation();
            logStartOffset = before.logStartOffset();
            nextOffsetFloor = before.nextOffsetFloor();
            highWatermark = before.highWatermark();
            deadRanges.replaceWith(before.deadRanges());
            epochs.replaceWith(before.epochs());
            throw e;
        }
    }

    /** Persists, or notes that the state is pending (logged once until a write succeeds, if {@code logIt}). */
    private boolean tryPersistState(String what, boolean logIt) {
        try {
            persistState();
            return true;
        } catch (KafkaStorageException e) {
            if (!statePending && logIt) {
                log.warn("{}: cannot write {} ({}): {}; retried at each high-watermark checkpoint", topicPartition,
                        PartitionState.FILE_NAME, what, e.getMessage());
            }
            statePending = true;
            return false;
        }
    }

    /** @throws KafkaStorageException the file could not be written (its old content stays) */
    private void persistState() {
        try {
            new PartitionState(generation, logStartOffset, nextOffsetFloor, highWatermark, deadRanges.toList(),
                    epochs.entries()).write(dir);
        } catch (UncheckedIOException e) {
            throw new KafkaStorageException("Cannot write " + PartitionState.FILE_NAME + " of " + topicPartition
                    + ": " + e.getCause(), e);
        }
        if (statePending) {
            log.info("{}: {} written again", topicPartition, PartitionState.FILE_NAME);
            statePending = false;
        }
        checkpointedHighWatermark = highWatermark;
    }
}
