package io.weir.broker.node;

import io.weir.controller.partition.TopicPartitionName;
import io.weir.replication.Partition;
import io.weir.replication.ReplicaManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Sizes of the partitions this node hosts, for the balancer's byte goal (a partition's replicas
 * hold about the same bytes, so the controller uses them only when they cover every partition,
 * as on a cluster where this node holds a replica of each).
 */
final class HostedPartitionSizes {
    private HostedPartitionSizes() {
    }

    static Map<TopicPartitionName, Long> of(ReplicaManager replicas) {
        Map<TopicPartitionName, Long> sizes = new HashMap<>();
        for (Partition p : replicas.hostedPartitions()) {
            try {
                sizes.put(new TopicPartitionName(p.topicPartition().topic(), p.topicPartition().partition()),
                        p.sizeInBytes());
            } catch (RuntimeException e) {
                // The partition left this node while we looked.
            }
        }
        return sizes;
    }
}
