package io.weir.controller.record;

import java.util.List;
import java.util.UUID;

/**
 * The full state of one partition, written when it is created (and in snapshots).
 *
 * @param replicas assigned replicas; the first is the preferred leader
 * @param isr in-sync replicas, a subset of {@code replicas}
 * @param addingReplicas replicas being added by a reassignment (subset of replicas)
 * @param removingReplicas replicas being removed by a reassignment (subset of replicas)
 * @param leader the leader broker id, or {@value #NO_LEADER}
 */
public record PartitionRecord(int version, UUID topicId, int partition, List<Integer> replicas,
                              List<Integer> isr, List<Integer> addingReplicas,
                              List<Integer> removingReplicas, int leader, int leaderEpoch,
                              int partitionEpoch) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;
    public static final int NO_LEADER = -1;

    public PartitionRecord {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        addingReplicas = addingReplicas == null ? List.of() : List.copyOf(addingReplicas);
        removingReplicas = removingReplicas == null ? List.of() : List.copyOf(removingReplicas);
    }

    public PartitionRecord(UUID topicId, int partition, List<Integer> replicas, List<Integer> isr,
                           int leader, int leaderEpoch, int partitionEpoch) {
        this(CURRENT_VERSION, topicId, partition, replicas, isr, List.of(), List.of(), leader,
            leaderEpoch, partitionEpoch);
    }
}
