package io.weir.broker.replica;

import io.weir.storage.PartitionLog;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The outcome of looking up a partition this node should lead: the local log and the leader
 * state from the metadata image, or the Kafka error the client must see.
 *
 * @param soleInSyncReplica the ISR is this node alone, so the HW may follow the LEO at once
 * @param isrSize replicas in the ISR
 * @param minInsyncReplicas the topic's {@code min.insync.replicas}
 */
public record LeaderLookup(TopicIdPartition partition, PartitionLog log, int leaderEpoch,
                           boolean soleInSyncReplica, int isrSize, int minInsyncReplicas, Errors error) {

    static LeaderLookup failed(TopicIdPartition partition, Errors error) {
        return new LeaderLookup(partition, null, -1, false, 0, 1, error);
    }

    public boolean ok() {
        return error == Errors.NONE;
    }
}
