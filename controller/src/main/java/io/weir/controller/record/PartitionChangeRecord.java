package io.weir.controller.record;

import java.util.List;
import java.util.UUID;

/**
 * A change to an existing partition. Null fields are unchanged. The new epochs are written
 * explicitly (not derived on replay) so every reader sees the same numbers and the invariant
 * "epochs never go backwards" can be checked on replay.
 *
 * @param leader new leader, {@link PartitionRecord#NO_LEADER}, or null when unchanged
 * @param leaderEpoch the leader epoch after this change (bumped whenever the leader changes)
 * @param partitionEpoch the partition epoch after this change (bumped on every change)
 */
public record PartitionChangeRecord(int version, UUID topicId, int partition, Integer leader,
                                    List<Integer> isr, List<Integer> replicas,
                                    List<Integer> addingReplicas, List<Integer> removingReplicas,
                                    int leaderEpoch, int partitionEpoch) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public PartitionChangeRecord {
        isr = isr == null ? null : List.copyOf(isr);
        replicas = replicas == null ? null : List.copyOf(replicas);
        addingReplicas = addingReplicas == null ? null : List.copyOf(addingReplicas);
        removingReplicas = removingReplicas == null ? null : List.copyOf(removingReplicas);
    }

    public PartitionChangeRecord(UUID topicId, int partition, Integer leader, List<Integer> isr,
                                 int leaderEpoch, int partitionEpoch) {
        this(CURRENT_VERSION, topicId, partition, leader, isr, null, null, null, leaderEpoch,
            partitionEpoch);
    }
}
