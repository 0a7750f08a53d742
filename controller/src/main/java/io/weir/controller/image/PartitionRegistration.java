package io.weir.controller.image;

import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import java.util.List;

/**
 * One partition's replica state. Invariants (checked on construction): the ISR is a subset of
 * the replicas without duplicates, and the leader is in the ISR unless it is
 * {@link PartitionRecord#NO_LEADER}.
 */
public record PartitionRegistration(List<Integer> replicas, List<Integer> isr,
                                    List<Integer> addingReplicas, List<Integer> removingReplicas,
                                    int leader, int leaderEpoch, int partitionEpoch) {
    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
        if (replicas.stream().distinct().count() != replicas.size()) {
            throw new IllegalStateException("duplicate replicas " + replicas);
        }
        if (isr.stream().distinct().count() != isr.size() || !replicas.containsAll(isr)) {
            throw new IllegalStateException("isr " + isr + " not a subset of replicas " + replicas);
        }
        if (leader != PartitionRecord.NO_LEADER && !isr.contains(leader)) {
            throw new IllegalStateException("leader " + leader + " not in isr " + isr);
        }
        if (!replicas.containsAll(addingReplicas) || !replicas.containsAll(removingReplicas)
            || addingReplicas.stream().anyMatch(removingReplicas::contains)) {
            throw new IllegalStateException("reassignment " + addingReplicas + "/"
                + removingReplicas + " inconsistent with replicas " + replicas);
        }
    }

    /** True while a reassignment is moving this partition's replicas. */
    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The replicas this partition will have once its reassignment completes. */
    public List<Integer> targetReplicas() {
        return replicas.stream().filter(r -> !removingReplicas.contains(r)).toList();
    }

    static PartitionRegistration from(PartitionRecord r) {
        return new PartitionRegistration(r.replicas(), r.isr(), r.addingReplicas(),
            r.removingReplicas(), r.leader(), r.leaderEpoch(), r.partitionEpoch());
    }

    PartitionRegistration merge(PartitionChangeRecord c) {
        if (c.leaderEpoch() < leaderEpoch || c.partitionEpoch() <= partitionEpoch) {
            throw new IllegalStateException("epochs went backwards: " + this + " <- " + c);
        }
        return new PartitionRegistration(
            c.replicas() == null ? replicas : c.replicas(),
            c.isr() == null ? isr : c.isr(),
            c.addingReplicas() == null ? addingReplicas : c.addingReplicas(),
            c.removingReplicas() == null ? removingReplicas : c.removingReplicas(),
            c.leader() == null ? leader : c.leader(),
            c.leaderEpoch(), c.partitionEpoch());
    }

    public boolean hasLeader() {
        return leader != PartitionRecord.NO_LEADER;
    }

    public int preferredLeader() {
        return replicas.isEmpty() ? PartitionRecord.NO_LEADER : replicas.get(0);
    }

    PartitionRecord toRecord(java.util.UUID topicId, int partition) {
        return new PartitionRecord(PartitionRecord.CURRENT_VERSION, topicId, partition, replicas,
            isr, addingReplicas, removingReplicas, leader, leaderEpoch, partitionEpoch);
    }
}
