package io.weir.storage;

import java.io.File;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batches of a {@link PartitionLog} and what changes them: the state derived from the queue
 * by one scan and kept up to date by appends (the in-memory index, idempotent producers, the
 * LEO), and the shells that persist before they delete (truncation, full truncation,
 * retention: {@link LogState} makes the change durable first). Not thread-safe:
 * {@link PartitionLog}'s write lock guards every change; {@link #logEndOffset()} is a volatile read.
 */
final class LogContents {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    private final TopicPartition topicPartition;
    private final Supplier<LogConfig> config;
    private final QueueHandle queue;
    private final LiveBatches live;
    private final LogState state;
    private final WriteFailure writeFailure;

    // Derived from the log by a scan, then kept up to date by appends.
    private final LiveBatchIndex batches = new LiveBatchIndex();
    private final ProducerStateManager producers = new ProducerStateManager();
    private volatile long logEndOffset;
    /**
     * Counts changes other than appends (truncation, retention, a failed write, a compaction): a
     * compaction that copied batches without the write lock gives up if it moved.
     */
    private long changes;

    LogContents(TopicPartition topicPartition, Supplier<LogConfig> config, QueueHandle queue, LogState state,
                WriteFailure writeFailure) {
        this.topicPartition = topicPartition;
        this.config = config;
        this.queue = queue;
        this.live = new LiveBatches(queue, state.deadRanges());
        this.state = state;
        this.writeFailure = writeFailure;
    }

    LiveBatches live() {
        return live;
    }

    LiveBatchIndex batches() {
        return batches;
    }

    ProducerStateManager producers() {
        return producers;
    }

    long changes() {
        return changes;
    }

    /** The log end offset (LEO): the offset the next appended record gets. */
    long logEndOffset() {
        return logEndOffset;
    }

    /** Writes validated batches; a failure is a failed write (see {@link WriteFailure}). */
    LogAppendInfo write(MemoryRecords records, long logAppendTime) {
        LogAppendInfo info;
        try {
            info = live.append(records, logAppendTime, batches, config.get().indexIntervalBytes());
        } catch (RuntimeException | InternalError e) {
            // Validation is done: anything thrown now is the disk or Chronicle failing.
            changes++;
            throw writeFailure.fail(e, state, batches.lastLiveIndex(), logEndOffset);
        }
        assert info.lastOffset() + 1 > logEndOffset : "appends move the LEO forward: " + info + " at " + logEndOffset;
        logEndOffset = info.lastOffset() + 1;
        return info;
    }

    /** See {@link PartitionLog#truncateTo}. */
    void truncateTo(long offset) {
        if (offset >= logEndOffset) {
            return;
        }
        changes++;
        if (offset <= state.logStartOffset()) {
            truncateFullyAndStartAt(offset);
            return;
        }
        Optional<LiveBatches.Cut> found = live.cutAt(state.logStartOffset(), batches.startIndexFor(offset), offset);
        if (found.isEmpty()) {
            return;
        }
        LiveBatches.Cut cut = found.get();
        // The dead range is the commit point: durable before the derived state changes. After a
        // compaction the offset may lie in a gap before the cut batch: the log then ends at the offset.
        state.truncateTail(cut.excerptIndex(), queue.lastIndex(), Math.min(cut.baseOffset(), offset));
        rebuild(state.epochs().entries());
        log.info("Truncated {} to offset {} (requested {})", topicPartition, logEndOffset, offset);
    }

    /** See {@link PartitionLog#truncateFullyAndStartAt}. */
    void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("Offset must not be negative: " + offset);
        }
        changes++;
        state.startGeneration(offset);
        try {
            queue.startGeneration(state.generation(), config.get().blockSize());
        } catch (RuntimeException | InternalError e) {
            // The new, empty generation is durable; its queue is created when appends resume.
            batches.clear();
            producers.clear();
            logEndOffset = offset;
            writeFailure.suspend(e);
            throw new KafkaStorageException("Cannot start the new queue of " + topicPartition + ": " + e, e);
        }
        // A fresh queue and appender: a failed write in the old generation no longer matters.
        writeFailure.clear();
        rebuild(List.of());
        log.info("Truncated {} fully, restarting at offset {}", topicPartition, offset);
    }

    /** See {@link PartitionLog#applyRetention}; a log whose cleanup.policy lacks delete keeps everything. */
    int applyRetention(long nowMs, Runnable ensureQueueOpen) {
        LogConfig cfg = config.get();
        if (!cfg.cleanup().delete()) {
            return 0;
        }
        Optional<RetentionPlanner.Plan> planned = RetentionPlanner.plan(batches.rollFiles(),
                batches.sizeInBytes(), state.logStartOffset(), state.highWatermark(), nowMs, cfg.retentionMs(),
                cfg.retentionBytes());
        if (planned.isEmpty()) {
            return 0;
        }
        RetentionPlanner.Plan plan = planned.get();
        ensureQueueOpen.run();
        changes++;
        // The new start offset is durable before any file goes: a crash in between leaves
        // files whose batches the next open ignores, never a start offset pointing at nothing.
        state.moveStartForRetention(plan.newLogStartOffset());
        for (File f : queue.deleteRollFiles(plan.doomed().stream().map(RetentionPlanner.RollFile::cycle).toList())) {
            log.warn("Could not delete {}", f);
        }
        batches.dropRollFiles(plan);
        // Forget dead ranges that lay wholly in deleted files; the kept files may still hold dead excerpts.
        state.deadRanges().forgetBefore(queue.firstIndexOf(plan.firstKept().cycle()));
        log.info("Retention deleted {} roll file(s) of {}; log start offset is now {}", plan.doomed().size(),
                topicPartition, state.logStartOffset());
        return plan.doomed().size();
    }

    /**
     * A compaction committed generation {@code newGeneration} (see {@link LogCompaction}): the queue
     * switches to it and everything derived from the log is rebuilt from it.
     */
    void adoptCompacted(long newGeneration, long cleanedTo) {
        changes++;
        state.compacted(newGeneration, cleanedTo, logEndOffset);
        LogCompaction.stepHook.accept("committed");
        try {
            queue.switchTo(newGeneration, config.get().blockSize());
        } catch (RuntimeException | InternalError e) {
            // The compacted generation is durable; its queue opens on the next use.
            writeFailure.suspend(e);
            throw new KafkaStorageException("Cannot open the compacted queue of " + topicPartition + ": " + e, e);
        }
        rebuild(state.epochs().entries());
    }

    /**
     * Rebuilds everything derived from the log with one scan (see {@link RecoveryScan}); a
     * torn or corrupt tail is marked dead, durably, so it stays dropped.
     */
    void rebuild(List<LeaderEpochCache.Entry> persistedEpochs) {
        LogRecovery.Result r = LogRecovery.rebuild(queue, state.deadRanges(), state.logStartOffset(),
                state.nextOffsetFloor(), persistedEpochs, config.get().indexIntervalBytes(), batches, producers,
                state.epochs());
        logEndOffset = r.logEndOffset();
        if (r.corruptFrom() >= 0) {
            log.warn("{}: dropping the log tail from excerpt {} after a crash or corruption: {}", topicPartition,
                    Long.toHexString(r.corruptFrom()), r.corruption());
            // Dropped in memory now; if the disk is full, durable at the next checkpoint.
            state.dropCorruptTail(r.corruptFrom(), queue.lastIndex(), logEndOffset);
        }
    }
}
