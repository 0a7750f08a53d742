package io.weir.storage;

import java.time.Clock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PartitionLog}'s failed writes: a write that fails after validation (a mapped page
 * with no disk behind it, a Chronicle or I/O error) makes the append throw
 * {@link KafkaStorageException} and leaves the log as it was before it: whatever reached the
 * queue is marked dead, the LEO and HW do not move, earlier batches stay readable. Appends are
 * then refused until the data directory has room again, when the queue is reopened (a fresh
 * appender) and the dead mark persisted; attempts are at least
 * {@value PartitionLog#RESUME_BACKOFF_MS} ms apart. Not thread-safe: {@link PartitionLog}'s
 * write lock guards it; {@link #failed()} is a volatile read.
 */
final class WriteFailure {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    private final TopicPartition topicPartition;
    private final Clock clock;
    /** The data directory's free-space guard; null for a standalone log (no guard). */
    private final DiskSpace space;

    /** Why appends are refused since a write failed; null while writable. */
    private volatile String reason;
    private long nextResumeAttemptMs;

    WriteFailure(TopicPartition topicPartition, Clock clock, DiskSpace space) {
        this.topicPartition = topicPartition;
        this.clock = clock;
        this.space = space;
    }

    /** Whether appends are refused because a write failed. */
    boolean failed() {
        return reason != null;
    }

    /** A fresh queue and appender: a failed write in the old generation no longer matters. */
    void clear() {
        reason = null;
    }

    /** The queue of a new generation could not be created: appends wait until it can. */
    void suspend(Throwable cause) {
        reason = cause.toString();
        nextResumeAttemptMs = clock.millis() + PartitionLog.RESUME_BACKOFF_MS;
    }

    /**
     * Appends are refused after a failed write until the data directory has room again; then
     * the queue is reopened (the failed appender's state is not trusted), the failed tail's end
     * recorded as a dead range and persisted, and appends go on.
     */
    void ensureWritable(QueueHandle queue, LogState state, long blockSize, long logEndOffset) {
        if (reason == null) {
            return;
        }
        long now = clock.millis();
        if (now < nextResumeAttemptMs || (space != null && space.isFull())) {
            throw new KafkaStorageException("Appends to " + topicPartition + " are suspended since a write failed ("
                    + reason + "); they resume when the data directory has room again");
        }
        nextResumeAttemptMs = now + PartitionLog.RESUME_BACKOFF_MS;
        try {
            queue.close();
            queue.forceUnlockWriters(state.generation());
            queue.open(state.generation(), blockSize);
            state.closeFailedTail(queue.lastIndex());
        } catch (RuntimeException | InternalError e) {
            throw new KafkaStorageException("Appends to " + topicPartition + " cannot resume yet: " + e, e);
        }
        log.info("{}: appends resume after a failed write ({}); LEO {}, HW {}", topicPartition, reason,
                logEndOffset, state.highWatermark());
        reason = null;
    }

    /**
     * A write failed after validation: the disk is full or failing, or Chronicle broke. Marks
     * every excerpt after the last live batch dead (in memory until the queue is reopened), so
     * nothing of this append is ever read; the in-memory state is still the one before the
     * append, so the LEO and HW do not move. Appends are refused until {@link #ensureWritable}
     * resumes them.
     */
    KafkaStorageException fail(Throwable cause, LogState state, long lastLiveIndex, long logEndOffset) {
        state.deadRanges().markFailedFrom(lastLiveIndex + 1);
        boolean first = reason == null;
        reason = cause.toString();
        nextResumeAttemptMs = clock.millis() + PartitionLog.RESUME_BACKOFF_MS;
        if (space != null) {
            space.reportWriteFailure(topicPartition, cause);
        }
        if (first) {
            log.warn("{}: a write failed; appends answer KAFKA_STORAGE_ERROR until the data directory has room"
                    + " again. LEO stays {}, HW {}; earlier batches stay readable", topicPartition, logEndOffset,
                    state.highWatermark(), cause);
        }
        return new KafkaStorageException("Write to " + topicPartition + " failed: " + cause, cause);
    }
}
