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
    private List<Integer> isr;
    private int leader;

    public PartitionChangeBuilder(UUID topicId, int partition, PartitionRegistration current) {
        this.topicId = topicId;
        this.partition = partition;
        this.current = current;
        this.isr = current.isr();
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

    public Optional<PartitionChangeRecord> build() {
        boolean leaderChanged = leader != current.leader();
        boolean isrChanged = !isr.equals(current.isr());
        if (!leaderChanged && !isrChanged) {
            return Optional.empty();
        }
        if (!current.replicas().containsAll(isr)) {
            throw new IllegalStateException("isr " + isr + " outside replicas " + current.replicas());
        }
        if (leader != PartitionRecord.NO_LEADER && !isr.contains(leader)) {
            throw new IllegalStateException("leader " + leader + " outside isr " + isr);
        }
        return Optional.of(new PartitionChangeRecord(topicId, partition,
            leaderChanged ? Integer.valueOf(leader) : null, isrChanged ? isr : null,
            leaderChanged ? current.leaderEpoch() + 1 : current.leaderEpoch(),
            current.partitionEpoch() + 1));
    }
}
