package io.weir.replication;

import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The outcome of looking up a partition this node should lead: the {@link Partition}, or the
 * Kafka error the client must see.
 */
public record PartitionLookup(TopicIdPartition id, Partition partition, Errors error) {

    static PartitionLookup failed(TopicIdPartition id, Errors error) {
        return new PartitionLookup(id, null, error);
    }

    public boolean ok() {
        return error == Errors.NONE;
    }
}
