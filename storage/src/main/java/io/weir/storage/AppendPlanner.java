package io.weir.storage;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The decisions of an append once its batches are valid: which offsets a leader gives
 * them, whether an idempotent producer is retrying, whether a follower's batches continue
 * the log. Pure: it reads the partition's state it is handed and writes only the batches'
 * header fields Kafka lets the broker set (not covered by the CRC).
 */
final class AppendPlanner {
    private AppendPlanner() {
    }

    /**
     * A leader append: the base offset each batch gets, or the original append of a batch an
     * idempotent producer sent again (then nothing is written).
     */
    record LeaderPlan(long[] baseOffsets, Optional<ProducerStateManager.BatchMetadata> duplicate) {
        /** The answer to a retried batch: the original append's offsets, nothing written. */
        LogAppendInfo duplicateInfo() {
            ProducerStateManager.BatchMetadata original = duplicate.orElseThrow();
            return new LogAppendInfo(original.firstOffset(), original.lastOffset(), RecordBatch.NO_TIMESTAMP, -1, 0,
                    true);
        }
    }

    /**
     * Gives the batches consecutive offsets from {@code logEndOffset} and checks each
     * idempotent batch against the producer state, recording it in {@code staged}.
     *
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException   a sequence gap
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException a stale producer epoch
     */
    static LeaderPlan planLeader(List<BatchHeader> headers, long logEndOffset, ProducerStateManager.Staged staged) {
        long next = logEndOffset;
        long[] baseOffsets = new long[headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            BatchHeader h = headers.get(i);
            baseOffsets[i] = next;
            if (h.hasProducerId()) {
                Optional<ProducerStateManager.BatchMetadata> dup = staged.validate(h);
                if (dup.isPresent()) {
                    return new LeaderPlan(null, dup);
                }
                staged.record(h, next, next + h.lastOffsetDelta());
            }
            next += h.lastOffsetDelta() + 1;
        }
        return new LeaderPlan(baseOffsets, Optional.empty());
    }

    /**
     * Writes the planned offsets and the leader epoch into the batches, and the log append
     * time if the log uses it ({@code now} is then the batches' timestamp).
     */
    static void stamp(MemoryRecords records, List<BatchHeader> headers, LeaderPlan plan, int leaderEpoch,
                      TimestampType timestampType, long now) {
        int i = 0;
        for (MutableRecordBatch batch : records.batches()) {
            batch.setLastOffset(plan.baseOffsets()[i] + headers.get(i).lastOffsetDelta());
            batch.setPartitionLeaderEpoch(leaderEpoch);
            if (timestampType == TimestampType.LOG_APPEND_TIME) {
                batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
            }
            i++;
        }
    }

    /**
     * A follower's batches keep the leader's offsets, which must not go below the log end
     * offset nor overlap each other.
     *
     * @throws InvalidRecordException otherwise
     */
    static void checkFollowerOffsets(List<BatchHeader> headers, long logEndOffset, TopicPartition partition) {
        long expected = logEndOffset;
        for (BatchHeader h : headers) {
            if (h.baseOffset() < expected) {
                throw new InvalidRecordException("Follower append of " + partition + " at offset "
                        + h.baseOffset() + " is below the expected offset " + expected);
            }
            expected = h.lastOffset() + 1;
        }
    }

    /**
     * Adds the leader epochs a follower's batches start, as the leader assigned them.
     *
     * @return whether the epoch cache changed (and must be persisted)
     */
    static boolean assignFollowerEpochs(List<BatchHeader> headers, LeaderEpochCache epochs) {
        boolean changed = false;
        for (BatchHeader h : headers) {
            if (h.partitionLeaderEpoch() > epochs.latestEpoch()) {
                epochs.assign(h.partitionLeaderEpoch(), h.baseOffset());
                changed = true;
            }
        }
        return changed;
    }
}
