package io.weir.controller.partition;

import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns a wanted partition state into at most one {@link PartitionChangeRecord}, bumping the
 * leader epoch when the leader changes and the partition epoch on any change. Enforces
 * leader ∈ ISR ⊆ replicas before anything is written.
 */
public final class PartitionChangeBuilder {
    private final UUID topicId;
    private final int partition;
    private final PartitionRegistration current;
    private List<Integer> replicas;
    private List<Integer> isr;
    private List<Integer> adding;
    private List<Integer> removing;
    private int leader;

    public PartitionChangeBuilder(UUID topicId, int partition, PartitionRegistration current) {
        this.topicId = topicId;
        this.partition = partition;
        this.current = current;
        this.replicas = current.replicas();
        this.isr = current.isr();
        this.adding = current.addingReplicas();
        this.removing = current.removingReplicas();
        this.leader = current.leader();
    }

    public PartitionChangeBuilder isr(List<Integer> value) {
        this.isr = List.copyOf(value);
        return this;
    }

    public PartitionChangeBuilder leader(int value) {
        this.leader = value;
        return this;
    }

    /** Sets the replica assignment and the reassignment state together. */
    public PartitionChangeBuilder replicas(List<Integer> value, List<Integer> addingReplicas,
                                           List<Integer> removingReplicas) {
        this.replicas = List.copyOf(value);
        this.adding = List.copyOf(addingReplicas);
        this.removing = List.copyOf(removingReplicas);
        return this;
    }

    public Optional<PartitionChangeRecord> build() {
        boolean leaderChanged = leader != current.leader();
        boolean isrChanged = !isr.equals(current.isr());
        boolean replicasChanged = !replicas.equals(current.replicas());
        boolean addingChanged = !adding.equals(current.addingReplicas());
        boolean removingChanged = !removing.equals(current.removingReplicas());
        if (!leaderChanged && !isrChanged && !replicasChanged && !addingChanged && !removingChanged) {
            return Optional.empty();
        }
        if (isr.isEmpty() || !replicas.containsAll(isr)) {
            throw new IllegalStateException("isr " + isr + " empty or outside replicas " + replicas);
        }
        if (leader != PartitionRecord.NO_LEADER && !isr.contains(leader)) {
            throw new IllegalStateException("leader " + leader + " outside isr " + isr);
        }
        return Optional.of(new PartitionChangeRecord(PartitionChangeRecord.CURRENT_VERSION, topicId,
            partition, leaderChanged ? Integer.valueOf(leader) : null, isrChanged ? isr : null,
            replicasChanged ? replicas : null, addingChanged ? adding : null,
            removingChanged ? removing : null,
            leaderChanged ? current.leaderEpoch() + 1 : current.leaderEpoch(),
            current.partitionEpoch() + 1));
    }
}
