package io.weir.replication;

import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a {@link Partition} announces the changes that waiting requests depend on; in a node,
 * the {@link Purgatory}. The three calls differ in what the announcing thread may do with them.
 */
interface PartitionChanges {
    /** Any change (role, ISR, log start, HW); the caller may hold the partition's locks. */
    void changed(TopicPartition tp);

    /**
     * The caller moved the HW with a follower's fetch and holds no lock: it may answer whatever
     * waits for that HW itself ({@link Purgatory.WaitsFor#HIGH_WATERMARK}).
     */
    void highWatermarkMoved(TopicPartition tp);

    /**
     * The caller appended as leader and holds no lock of the partition, but may hold others (a
     * group coordinator holds its group's): it may answer the followers' waiting fetches itself
     * ({@link Purgatory.WaitsFor#DATA}), nothing whose answer takes locks.
     */
    void appended(TopicPartition tp);

    /** The purgatory's three ways. */
    static PartitionChanges of(Purgatory purgatory) {
        return new PartitionChanges() {
            @Override
            public void changed(TopicPartition tp) {
                purgatory.onChange(tp);
            }

            @Override
            public void highWatermarkMoved(TopicPartition tp) {
                purgatory.checkAndComplete(tp, Purgatory.WaitsFor.HIGH_WATERMARK);
            }

            @Override
            public void appended(TopicPartition tp) {
                purgatory.checkAndComplete(tp, Purgatory.WaitsFor.DATA);
            }
        };
    }

    /** Every change told to {@code listener} alike. */
    static PartitionChanges announcing(Consumer<TopicPartition> listener) {
        return new PartitionChanges() {
            @Override
            public void changed(TopicPartition tp) {
                listener.accept(tp);
            }

            @Override
            public void highWatermarkMoved(TopicPartition tp) {
                listener.accept(tp);
            }

            @Override
            public void appended(TopicPartition tp) {
                listener.accept(tp);
            }
        };
    }
}
