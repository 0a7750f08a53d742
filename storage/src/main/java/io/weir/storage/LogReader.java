package io.weir.storage;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Fetch and ListOffsets over a log's live batches: finds the start point in the sparse
 * index and scans from there. Holds no state of its own; {@link PartitionLog} calls it
 * under its read lock with a consistent view of the offsets.
 */
final class LogReader {
    private final TopicPartition topicPartition;
    private final LiveBatchIndex batches;
    private final LiveBatches live;
    private final LeaderEpochCache epochs;

    LogReader(TopicPartition topicPartition, LiveBatchIndex batches, LiveBatches live, LeaderEpochCache epochs) {
        this.topicPartition = topicPartition;
        this.batches = batches;
        this.live = live;
        this.epochs = epochs;
    }

    /** Whether {@link #read} with these offsets reads stored bytes (otherwise it answers from them alone). */
    static boolean needsBytes(long start, long end, long fetchOffset, long maxOffsetExclusive) {
        return fetchOffset >= start && fetchOffset < end && fetchOffset < maxOffsetExclusive;
    }

    /** See {@link PartitionLog#read}; {@code start}, {@code end} and {@code hw} are the log's offsets now. */
    LogReadResult read(long start, long end, long hw, long fetchOffset, int maxBytes, long maxOffsetExclusive,
                       boolean minOneMessage, ReadMemory memory) {
        if (fetchOffset < start || fetchOffset > end) {
            throw new OffsetOutOfRangeException("Offset " + fetchOffset + " of " + topicPartition
                    + " is out of range [" + start + ", " + end + "]");
        }
        if (!needsBytes(start, end, fetchOffset, maxOffsetExclusive)) {
            return new LogReadResult(MemoryRecords.EMPTY, start, end, hw);
        }
        // One pass: size the buffer by what can follow the start point (the index counts bytes).
        int capacity = (int) Math.max(0, Math.min(maxBytes, batches.bytesFrom(fetchOffset)));
        ByteBuffer out = live.copy(start, batches.startIndexFor(fetchOffset), fetchOffset, maxOffsetExclusive,
                capacity, minOneMessage, memory);
        return new LogReadResult(out == null ? MemoryRecords.EMPTY : MemoryRecords.readableRecords(out), start, end,
                hw);
    }

    /** See {@link PartitionLog#offsetForTimestamp}; {@code start} and {@code end} are the log's offsets now. */
    Optional<TimestampAndOffset> offsetForTimestamp(long timestamp, long start, long end) {
        if (timestamp == -2L || timestamp == -4L) {
            return Optional.of(new TimestampAndOffset(-1, start, epochs.epochAt(start)));
        }
        if (timestamp == -1L) {
            return Optional.of(new TimestampAndOffset(-1, end, epochs.latestEpoch()));
        }
        if (timestamp == -3L) {
            if (batches.maxTimestampIndex() < 0) {
                return Optional.empty();
            }
            return live.firstRecordAtOrAfter(start, batches.maxTimestampIndex(), batches.maxTimestamp());
        }
        if (timestamp < 0) {
            throw new IllegalArgumentException("Unsupported ListOffsets timestamp " + timestamp);
        }
        return live.firstRecordAtOrAfter(start, batches.startIndexForTimestamp(timestamp), timestamp);
    }
}
