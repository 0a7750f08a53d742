package io.weir.controller.partition;

import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.record.PartitionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Replica reassignment as in Kafka (KIP-455), as pure state transitions.
 *
 * <p>Starting moves a partition from its original replicas O to a target T by assigning
 * {@code T + (O - T)} with {@code adding = T - O} and {@code removing = O - T}; the new
 * replicas catch up and join the ISR through AlterPartition. Once every target replica is in
 * the ISR the reassignment completes: replicas become T, the ISR keeps only target members,
 * and a leader outside T hands over to the first live ISR member of T. Cancelling restores O.
 */
final class Reassignments {
    private Reassignments() {
    }

    /** A partition's assignment fields after a transition. */
    record State(List<Integer> replicas, List<Integer> isr, List<Integer> adding,
                 List<Integer> removing, int leader) {
        static State of(PartitionRegistration p) {
            return new State(p.replicas(), p.isr(), p.addingReplicas(), p.removingReplicas(),
                p.leader());
        }

        PartitionChangeBuilder applyTo(PartitionChangeBuilder builder) {
            return builder.replicas(replicas, adding, removing).isr(isr).leader(leader);
        }
    }

    /** The replicas before any ongoing reassignment started. */
    static List<Integer> original(PartitionRegistration p) {
        return p.replicas().stream().filter(r -> !p.addingReplicas().contains(r)).toList();
    }

    /** Null when no in-sync replica would remain. */
    static State start(PartitionRegistration p, List<Integer> target, IntPredicate live) {
        List<Integer> original = original(p);
        List<Integer> replicas = new ArrayList<>(target);
        original.stream().filter(r -> !target.contains(r)).forEach(replicas::add);
        List<Integer> adding = target.stream().filter(r -> !original.contains(r)).toList();
        List<Integer> removing = original.stream().filter(r -> !target.contains(r)).toList();
        List<Integer> isr = p.isr().stream().filter(replicas::contains).toList();
        if (isr.isEmpty()) {
            return null;
        }
        return maybeComplete(withLeader(new State(replicas, isr, adding, removing, p.leader()),
            live), live);
    }

    /** Null when no original replica is in sync. */
    static State cancel(PartitionRegistration p, IntPredicate live) {
        List<Integer> original = original(p);
        List<Integer> isr = p.isr().stream().filter(original::contains).toList();
        if (isr.isEmpty()) {
            return null;
        }
        return withLeader(new State(original, isr, List.of(), List.of(), p.leader()), live);
    }

    /** Completes the reassignment when every target replica is in the ISR. */
    static State maybeComplete(State s, IntPredicate live) {
        return withLeader(maybeComplete(s), live);
    }

    private static State maybeComplete(State s) {
        if (s.adding().isEmpty() && s.removing().isEmpty()) {
            return s;
        }
        List<Integer> target = s.replicas().stream().filter(r -> !s.removing().contains(r)).toList();
        if (!s.isr().containsAll(target)) {
            return s;
        }
        return new State(target, s.isr().stream().filter(target::contains).toList(), List.of(),
            List.of(), s.leader());
    }

    private static State withLeader(State s, IntPredicate live) {
        // A leader that is being removed keeps leading until the reassignment completes (then
        // it is no longer in the ISR), as in Kafka, to avoid an extra leader change.
        if (s.leader() != PartitionRecord.NO_LEADER && s.isr().contains(s.leader())) {
            return s;
        }
        // Prefer a replica that stays; fall back to one being removed rather than no leader.
        List<Integer> staying = s.replicas().stream().filter(r -> !s.removing().contains(r)).toList();
        int leader = LeaderElection.clean(staying, s.isr(), live);
        if (leader == PartitionRecord.NO_LEADER) {
            leader = LeaderElection.clean(s.replicas(), s.isr(), live);
        }
        return new State(s.replicas(), s.isr(), s.adding(), s.removing(), leader);
    }
}
