package io.weir.controller.partition;

import java.util.List;
import java.util.UUID;

/**
 * A partition leader asking to change its ISR (Kafka's AlterPartition, one partition).
 *
 * @param leaderEpoch the leader epoch the leader is in
 * @param partitionEpoch the partition epoch the leader last saw; a mismatch means the leader
 *     is acting on stale state and gets INVALID_UPDATE_VERSION
 */
public record AlterPartitionRequest(int brokerId, long brokerEpoch, UUID topicId, int partition,
                                    int leaderEpoch, List<Integer> newIsr, int partitionEpoch) {
    public AlterPartitionRequest {
        newIsr = List.copyOf(newIsr);
    }
}
