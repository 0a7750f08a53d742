package io.weir.group;

import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.Comparator;

/**
 * Which committed offsets of one group have expired under {@code offsets.retention.minutes}, and
 * whether the group itself goes (Kafka 2.1+, KIP-211). Pure: the group's state, the commit times
 * and the wall-clock time are passed in.
 *
 * <ul>
 *   <li>An empty group (no members, either protocol): an offset expires once the retention has
 *       passed since the group became empty, or since the offset was committed if that was later
 *       (an admin's reset of an empty group starts its own retention). When no offset is left, the
 *       group is deleted, as Kafka deletes an empty group with no offsets.</li>
 *   <li>Only offsets, no group (consumers using {@code assign()}, Kafka's "standalone" consumers):
 *       an offset expires once the retention has passed since its commit.</li>
 *   <li>A group with members: offsets of topics its members do not subscribe to expire once the
 *       retention has passed since their commit; while the subscriptions are not known (a classic
 *       group that is not Stable, or not a consumer-protocol group), none.</li>
 * </ul>
 */
final class OffsetExpiry {
    /** How the check finds a group. */
    enum Kind { EMPTY, OFFSETS_ONLY, ACTIVE }

    /**
     * @param emptySinceMs for {@link Kind#EMPTY}, the wall-clock time it was first seen empty
     * @param subscribedTopics for {@link Kind#ACTIVE}, the topics its members subscribe to; null when not known
     */
    record GroupState(Kind kind, long emptySinceMs, Set<String> subscribedTopics) {
        static GroupState empty(long sinceMs) {
            return new GroupState(Kind.EMPTY, sinceMs, Set.of());
        }

        static GroupState offsetsOnly() {
            return new GroupState(Kind.OFFSETS_ONLY, -1, Set.of());
        }

        static GroupState active(Set<String> subscribedTopics) {
            return new GroupState(Kind.ACTIVE, -1, subscribedTopics);
        }
    }

    /** The offsets to delete (tombstones), and whether the group's record and state go with them. */
    record Decision(Set<TopicPartition> expired, boolean deleteGroup) {
        boolean nothing() {
            return expired.isEmpty() && !deleteGroup;
        }
    }

    private static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private OffsetExpiry() {
    }

    /**
     * @param commitTimestampsMs each committed offset's commit time (wall clock)
     * @param nowMs the wall-clock time of the check
     * @param retentionMs {@code offsets.retention.minutes} in milliseconds, positive
     */
    static Decision decide(GroupState group, Map<TopicPartition, Long> commitTimestampsMs, long nowMs, long retentionMs) {
        if (retentionMs <= 0) throw new IllegalArgumentException("retention must be positive: " + retentionMs);
        Set<TopicPartition> expired = new TreeSet<>(ORDER);
        if (group.kind() == Kind.ACTIVE && group.subscribedTopics() == null) return new Decision(expired, false);
        commitTimestampsMs.forEach((tp, committedAt) -> {
            long since = switch (group.kind()) {
                case EMPTY -> Math.max(group.emptySinceMs(), committedAt);
                case OFFSETS_ONLY -> committedAt;
                case ACTIVE -> group.subscribedTopics().contains(tp.topic()) ? Long.MAX_VALUE : committedAt;
            };
            // Overflow-safe form of since + retention <= now.
            if (since != Long.MAX_VALUE && nowMs - since >= retentionMs) expired.add(tp);
        });
        boolean deleteGroup = group.kind() == Kind.EMPTY && expired.size() == commitTimestampsMs.size();
        return new Decision(expired, deleteGroup);
    }

    /**
     * Of the offsets {@link #decide} expired, those still to be deleted at the moment the
     * tombstones are written: the offset is still committed at the time the decision saw, and no
     * commit of it is in flight (appended, not yet acknowledged). A commit that raced the check
     * therefore keeps its offset; it is looked at again at the next check.
     *
     * @param decidedAtMs the commit times the decision was made on
     * @param currentMs the commit times now
     * @param inFlight partitions with a commit appended and not yet acknowledged
     */
    static Set<TopicPartition> stillExpired(Set<TopicPartition> expired, Map<TopicPartition, Long> decidedAtMs,
                                            Map<TopicPartition, Long> currentMs, Set<TopicPartition> inFlight) {
        Set<TopicPartition> out = new TreeSet<>(ORDER);
        for (TopicPartition tp : expired) {
            Long decided = decidedAtMs.get(tp);
            if (decided != null && decided.equals(currentMs.get(tp)) && !inFlight.contains(tp)) out.add(tp);
        }
        return out;
    }
}
