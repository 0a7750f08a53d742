package io.weir.controller.partition;

import io.weir.controller.record.PartitionRecord;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Picks partition leaders. The preferred replica is the first replica in assignment order;
 * a clean election takes the first replica (in that order) that is in the ISR and live, so the
 * preferred replica wins whenever it is eligible. An unclean election, allowed only by
 * {@code unclean.leader.election.enable}, may take a live replica outside the ISR and accept
 * data loss.
 */
public final class LeaderElection {
    private LeaderElection() {
    }

    /** The first live ISR member in replica order, or {@link PartitionRecord#NO_LEADER}. */
    public static int clean(List<Integer> replicas, List<Integer> isr, IntPredicate live) {
        for (int r : replicas) {
            if (isr.contains(r) && live.test(r)) {
                return r;
            }
        }
        return PartitionRecord.NO_LEADER;
    }

    /** The first live replica in replica order, or {@link PartitionRecord#NO_LEADER}. */
    public static int unclean(List<Integer> replicas, IntPredicate live) {
        for (int r : replicas) {
            if (live.test(r)) {
                return r;
            }
        }
        return PartitionRecord.NO_LEADER;
    }
}
