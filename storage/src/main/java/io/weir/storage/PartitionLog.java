package io.weir.storage;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one topic-partition: Kafka v2 record batches stored byte for byte as
 * excerpts of a Chronicle Queue, one excerpt per batch.
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
        this.queue = new QueueHandle(dir, config.rollCycle(), clock,
                () -> {
                    if (owner != null) {
                        owner.queueOpened(this);
                    }
                },
                () -> {
                    if (owner != null) {
                        owner.queueClosed(this);
                    }
                });
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
        lock.writeLock().lock();
        try {
            highWatermark = clamp(newHighWatermark);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Persists the high watermark if it changed since the last checkpoint. */
    public void checkpointHighWatermark() {
        lock.writeLock().lock();
        try {
            if (!closed && highWatermark != checkpointedHighWatermark) {
                persistState();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Appends batches a producer sent, as the partition leader: validates every batch
     * (magic v2, sizes, CRC, record structure, idempotent-producer sequence), assigns
     * offsets from the LEO and the leader epoch in place, stamps the log append time when the
     * log uses it, and writes the batches. Nothing is written if any batch is invalid.
     *
     * @throws CorruptRecordException   a batch is truncated or fails its CRC
     * @throws RecordTooLargeException  a batch exceeds {@code max.message.bytes}
     * @throws InvalidRecordException   a batch is not v2, or its records are malformed or inconsistent
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException   an idempotent batch skips sequence numbers
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException an idempotent batch has a stale epoch
     */
    public LogAppendInfo appendAsLeader(MemoryRecords records, int leaderEpoch) {
        List<BatchHeader> headers = BatchValidator.validate(records, config.maxMessageBytes(), true);
        lock.writeLock().lock();
        try {
            ensureOpenLocked();
            ProducerStateManager.Staged staged = producers.stage();
            long next = logEndOffset;
            long[] firstOffsets = new long[headers.size()];
            for (int i = 0; i < headers.size(); i++) {
                BatchHeader h = headers.get(i);
                firstOffsets[i] = next;
                if (h.hasProducerId()) {
                    Optional<ProducerStateManager.BatchMetadata> dup = staged.validate(h);
                    if (dup.isPresent()) {
                        return new LogAppendInfo(dup.get().firstOffset(), dup.get().lastOffset(),
                                RecordBatch.NO_TIMESTAMP, -1, 0, true);
                    }
                    staged.record(h, next, next + h.lastOffsetDelta());
                }
                next += h.lastOffsetDelta() + 1;
            }
            long now = clock.millis();
            boolean logAppendTime = config.timestampType() == TimestampType.LOG_APPEND_TIME;
            int i = 0;
            for (MutableRecordBatch batch : records.batches()) {
                batch.setLastOffset(firstOffsets[i] + headers.get(i).lastOffsetDelta());
                batch.setPartitionLeaderEpoch(leaderEpoch);
                if (logAppendTime) {
                    batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
                }
                i++;
            }
            if (leaderEpoch > epochs.latestEpoch()) {
                epochs.assign(leaderEpoch, logEndOffset);
                persistState();
            }
            LogAppendInfo info = writeBatches(records, logAppendTime ? now : -1);
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
        List<BatchHeader> headers = BatchValidator.validate(records, (int) Math.min(Integer.MAX_VALUE, config.blockSize() / 4),
                false);
        lock.writeLock().lock();
        try {
            ensureOpenLocked();
            long expected = logEndOffset;
            boolean epochsChanged = false;
            for (BatchHeader h : headers) {
                if (h.baseOffset() < expected) {
                    throw new InvalidRecordException("Follower append of " + topicPartition + " at offset "
                            + h.baseOffset() + " is below the expected offset " + expected);
                }
                expected = h.lastOffset() + 1;
            }
            for (BatchHeader h : headers) {
                if (h.partitionLeaderEpoch() > epochs.latestEpoch()) {
                    epochs.assign(h.partitionLeaderEpoch(), h.baseOffset());
                    epochsChanged = true;
                }
            }
            if (epochsChanged) {
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
        ByteBuffer buf = records.buffer();
        int pos = buf.position();
        int end = buf.limit();
        long first = -1;
        long last = -1;
        long maxTs = RecordBatch.NO_TIMESTAMP;
        while (pos < end) {
            BatchHeader h = BatchHeader.read(buf, pos);
            long excerptIndex = queue.append(buf, pos, h.sizeInBytes());
            batches.accept(excerptIndex, queue.cycleOf(excerptIndex), h, config.indexIntervalBytes());
            if (first < 0) {
                first = h.baseOffset();
            }
            last = h.lastOffset();
            maxTs = Math.max(maxTs, h.maxTimestamp());
            pos += h.sizeInBytes();
        }
        logEndOffset = last + 1;
        return new LogAppendInfo(first, last, maxTs, logAppendTime, end - buf.position(), false);
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
        lock.readLock().lock();
        try {
            if (!queue.isOpen()) {
                throw new IllegalStateException("Log of " + topicPartition + " is closed");
            }
            long start = logStartOffset;
            long end = logEndOffset;
            long hw = highWatermark;
            if (fetchOffset < start || fetchOffset > end) {
                throw new OffsetOutOfRangeException("Offset " + fetchOffset + " of " + topicPartition
                        + " is out of range [" + start + ", " + end + "]");
            }
            if (fetchOffset >= maxOffsetExclusive || fetchOffset == end) {
                return new LogReadResult(MemoryRecords.EMPTY, start, end, hw);
            }
            long from = batches.startIndexFor(fetchOffset);
            // One pass: size the buffer by what can follow the start point (the index counts bytes).
            long available = batches.bytesFrom(fetchOffset);
            ByteBuffer[] out = {ByteBuffer.allocate((int) Math.max(0, Math.min(maxBytes, available)))};
            forEachLiveBatch(from, (idx, bytes, pos, size, h) -> {
                if (h.lastOffset() < fetchOffset) {
                    return true;
                }
                if (h.lastOffset() >= maxOffsetExclusive) {
                    return false;
                }
                if (size > out[0].remaining()) {
                    if (out[0].position() > 0 || !minOneMessage) {
                        return false;
                    }
                    out[0] = ByteBuffer.allocate(size); // Kafka's "min one message": a batch above maxBytes
                }
                // Absolute bulk copy from the mapped file into the heap array (a memcpy).
                bytes.read(pos, out[0].array(), out[0].arrayOffset() + out[0].position(), size);
                out[0].position(out[0].position() + size);
                return true;
            });
            if (out[0].position() == 0) {
                return new LogReadResult(MemoryRecords.EMPTY, start, end, hw);
            }
            out[0].flip();
            return new LogReadResult(MemoryRecords.readableRecords(out[0]), start, end, hw);
        } finally {
            lock.readLock().unlock();
        }
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
        lock.readLock().lock();
        try {
            if (timestamp == -2L || timestamp == -4L) {
                return Optional.of(new TimestampAndOffset(-1, logStartOffset, epochAt(logStartOffset)));
            }
            if (timestamp == -1L) {
                return Optional.of(new TimestampAndOffset(-1, logEndOffset, epochs.latestEpoch()));
            }
            if (timestamp == -3L) {
                if (batches.maxTimestampIndex() < 0) {
                    return Optional.empty();
                }
                return firstRecordAtOrAfter(batches.maxTimestampIndex(), batches.maxTimestamp());
            }
            if (timestamp < 0) {
                throw new IllegalArgumentException("Unsupported ListOffsets timestamp " + timestamp);
            }
            return firstRecordAtOrAfter(batches.startIndexForTimestamp(timestamp), timestamp);
        } finally {
            lock.readLock().unlock();
        }
    }

    private Optional<TimestampAndOffset> firstRecordAtOrAfter(long fromIndex, long timestamp) {
        if (fromIndex < 0) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        Optional<TimestampAndOffset>[] found = new Optional[] {Optional.empty()};
        forEachLiveBatch(fromIndex, (idx, bytes, pos, size, h) -> {
            if (h.maxTimestamp() < timestamp) {
                return true;
            }
            ByteBuffer copy = LiveBatches.copyOf(bytes, pos, size);
            for (RecordBatch batch : MemoryRecords.readableRecords(copy).batches()) {
                for (Record r : batch) {
                    if (r.timestamp() >= timestamp && r.offset() >= logStartOffset) {
                        found[0] = Optional.of(new TimestampAndOffset(r.timestamp(), r.offset(),
                                batch.partitionLeaderEpoch()));
                        return false;
                    }
                }
            }
            return true;
        });
        return found[0];
    }

    private int epochAt(long offset) {
        int epoch = -1;
        for (LeaderEpochCache.Entry e : epochs.entries()) {
            if (e.startOffset() <= offset) {
                epoch = e.epoch();
            }
        }
        return epoch;
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
            long[] cut = {-1, -1};
            forEachLiveBatch(batches.startIndexFor(offset), (idx, bytes, pos, size, h) -> {
                if (h.lastOffset() >= offset) {
                    cut[0] = idx;
                    cut[1] = h.baseOffset();
                    return false;
                }
                return true;
            });
            if (cut[0] < 0) {
                return;
            }
            deadRanges.add(cut[0], queue.lastIndex());
            nextOffsetFloor = cut[1];
            epochs.truncateFromEnd(cut[1]);
            highWatermark = Math.min(highWatermark, cut[1]);
            persistState();
            rebuildFromLog(epochs.entries());
            log.info("Truncated {} to offset {} (requested {})", topicPartition, logEndOffset, offset);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Deletes every batch and restarts the log empty at {@code offset}. Durable before it returns. */
    public void truncateFullyAndStartAt(long offset) {
        lock.writeLock().lock();
        try {
            ensureOpenLocked();
            truncateFullyAndStartAtLocked(offset);
        } finally {
            lock.writeLock().unlock();
        }
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

    /** Visits live batches in order from Chronicle index {@code fromIndex} (or the start, if negative). */
    private void forEachLiveBatch(long fromIndex, LiveBatches.BatchVisitor visitor) {
        LiveBatches.forEach(queue, deadRanges, logStartOffset, fromIndex, visitor);
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
