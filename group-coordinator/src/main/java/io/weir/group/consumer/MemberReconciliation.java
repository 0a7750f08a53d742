package io.weir.group.consumer;

import io.weir.group.consumer.ConsumerGroup.Member;
import io.weir.group.consumer.ConsumerGroup.MemberState;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Moves one {@link ConsumerGroup} member towards its target assignment, one heartbeat at a time
 * (Kafka's {@code CurrentAssignmentBuilder}). It owns the revoke-before-assign rule: a member
 * first keeps only what stays (UNREVOKED_PARTITIONS) until it no longer owns the rest, then takes
 * the target epoch and the partitions no other member still owns or is revoking, waiting
 * (UNRELEASED_PARTITIONS) for any not yet released. So a partition is never owned twice. Pure:
 * it changes only the member it is given and reads the others.
 */
final class MemberReconciliation {
    private MemberReconciliation() {
    }

    /** Moves the member one step towards its target (Kafka's CurrentAssignmentBuilder). */
    static void reconcile(Member member, Collection<Member> members, Map<String, SortedSet<TopicIdPartition>> target,
                          int targetAssignmentEpoch, long nowMs) {
        if (member.state == MemberState.UNREVOKED_PARTITIONS) {
            if (member.owned == null || !disjoint(member.owned, member.pendingRevocation)) return; // still revoking
            member.pendingRevocation = new TreeSet<>();
            member.state = MemberState.UNRELEASED_PARTITIONS;
            member.revocationDeadlineMs = Long.MAX_VALUE;
        }
        if (member.state == MemberState.STABLE && member.memberEpoch == targetAssignmentEpoch) return;
        SortedSet<TopicIdPartition> goal = target.getOrDefault(member.memberId, new TreeSet<>());
        SortedSet<TopicIdPartition> keep = new TreeSet<>(member.assigned);
        keep.retainAll(goal);
        SortedSet<TopicIdPartition> revoke = new TreeSet<>(member.assigned);
        revoke.removeAll(goal);
        if (!revoke.isEmpty()) {
            member.assigned = keep;
            member.pendingRevocation = revoke;
            member.state = MemberState.UNREVOKED_PARTITIONS;
            member.revocationDeadlineMs = nowMs + Math.max(member.rebalanceTimeoutMs, 1);
            return;
        }
        Set<TopicIdPartition> held = new HashSet<>();
        for (Member other : members) {
            if (other == member) continue;
            held.addAll(other.assigned);
            held.addAll(other.pendingRevocation);
        }
        boolean complete = true;
        for (TopicIdPartition tp : goal) {
            if (held.contains(tp)) complete = false;
            else keep.add(tp);
        }
        member.assigned = keep;
        if (member.memberEpoch != targetAssignmentEpoch) {
            member.previousMemberEpoch = member.memberEpoch;
            member.memberEpoch = targetAssignmentEpoch;
        }
        member.state = complete ? MemberState.STABLE : MemberState.UNRELEASED_PARTITIONS;
    }

    private static boolean disjoint(Set<TopicIdPartition> a, Set<TopicIdPartition> b) {
        for (TopicIdPartition tp : b) if (a.contains(tp)) return false;
        return true;
    }
}
