package io.weir.group;

import io.weir.group.OffsetExpiry.Decision;
import io.weir.group.OffsetExpiry.GroupState;
import io.weir.group.consumer.ConsumerGroup;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Expires the committed offsets of groups that no longer use them ({@code offsets.retention.minutes},
 * checked every {@code offsets.retention.check.interval.ms}), with tombstones in the offsets topic,
 * and deletes an empty group once it has no offsets left (its metadata tombstone in the same batch).
 * The decisions are {@link OffsetExpiry}'s; this shell gathers each group's state and the commit
 * times, and remembers since when each group has been empty ({@link #observe}, called by the
 * coordinator's sweep). Runs on the coordinator's timer thread.
 */
final class OffsetRetention {
    private static final Logger log = LoggerFactory.getLogger(OffsetRetention.class);

    private final OffsetsTopic offsets;
    private final ClassicGroups classic;
    private final ConsumerGroups consumers;
    private final Predicate<String> coordinated;
    private final LongSupplier wallClock;
    private final long retentionMs;
    /** Group id → the wall-clock time the sweep first found it empty (after a failover: since the takeover). */
    private final Map<String, Long> emptySinceMs = new ConcurrentHashMap<>();

    /**
     * @param coordinated whether this node coordinates a group and has loaded it
     * @param retentionMs {@code offsets.retention.minutes} in milliseconds
     */
    OffsetRetention(OffsetsTopic offsets, ClassicGroups classic, ConsumerGroups consumers, Predicate<String> coordinated,
                    LongSupplier wallClock, long retentionMs) {
        if (retentionMs <= 0) throw new IllegalArgumentException("offsets.retention.minutes must be positive");
        this.offsets = offsets;
        this.classic = classic;
        this.consumers = consumers;
        this.coordinated = coordinated;
        this.wallClock = wallClock;
        this.retentionMs = retentionMs;
    }

    /** Notes which hosted groups are empty now, and since when. */
    void observe() {
        long now = wallClock.getAsLong();
        Set<String> empty = new HashSet<>();
        for (String groupId : classic.groupIds()) {
            if (classic.withGroup(groupId, g -> g.state() == Group.State.EMPTY).orElse(false)) empty.add(groupId);
        }
        for (String groupId : consumers.groupIds()) {
            if (consumers.withGroup(groupId, ConsumerGroup::isEmpty).orElse(false)) empty.add(groupId);
        }
        emptySinceMs.keySet().retainAll(empty);
        empty.forEach(groupId -> emptySinceMs.putIfAbsent(groupId, now));
    }

    /** One retention check over every group this node coordinates. */
    void expire() {
        Set<String> groupIds = new HashSet<>(offsets.groupsWithOffsets());
        groupIds.addAll(classic.groupIds());
        groupIds.addAll(consumers.groupIds());
        long now = wallClock.getAsLong();
        for (String groupId : groupIds) {
            if (!coordinated.test(groupId)) continue;
            try {
                expire(groupId, now);
            } catch (RuntimeException e) {
                log.error("Offsets retention of group {} failed", groupId, e);
            }
        }
    }

    private void expire(String groupId, long now) {
        Optional<GroupState> state = stateOf(groupId);
        if (state.isEmpty()) return;
        Map<TopicPartition, Long> committedAt = offsets.commitTimestamps(groupId);
        Decision decision = OffsetExpiry.decide(state.get(), committedAt, now, retentionMs);
        if (decision.nothing()) return;
        boolean classicGroup = false;
        if (decision.deleteGroup()) {
            // Removed only if still empty now, under the group's monitor; otherwise left for the next check.
            Errors consumer = consumers.removeIfEmpty(groupId);
            Errors hosted = consumer == Errors.GROUP_ID_NOT_FOUND ? classic.removeIfEmpty(groupId, false) : consumer;
            if (hosted == Errors.NON_EMPTY_GROUP) return;
            classicGroup = consumer == Errors.GROUP_ID_NOT_FOUND && hosted == Errors.NONE;
            emptySinceMs.remove(groupId);
        }
        offsets.expire(groupId, decision.expired(), committedAt, classicGroup).thenAccept(expired -> {
            if (expired.outcome() != Errors.NONE) {
                log.warn("Group {}: expired offsets not deleted ({}); the next check tries again", groupId,
                        expired.outcome());
            } else {
                log.info("Group {}: {} committed offsets expired{}", groupId, expired.offsets(),
                        decision.deleteGroup() ? ", group deleted" : "");
            }
        });
    }

    /** How the check finds the group; empty when it cannot tell yet (an empty group not yet seen by the sweep). */
    private Optional<GroupState> stateOf(String groupId) {
        Optional<Optional<GroupState>> consumer = consumers.withGroup(groupId, g -> g.isEmpty() ? Optional.<GroupState>empty()
                : Optional.of(GroupState.active(g.subscribedTopicNames())));
        if (consumer.isPresent()) return consumer.get().or(() -> empty(groupId));
        Optional<Optional<GroupState>> hosted = classic.withGroup(groupId, g -> {
            if (g.state() == Group.State.EMPTY) return Optional.<GroupState>empty();
            // Kafka expires unsubscribed topics' offsets of a Stable consumer-protocol group only.
            return Optional.of(GroupState.active(g.state() == Group.State.STABLE
                    ? g.subscribedTopics().orElse(null) : null));
        });
        if (hosted.isPresent()) return hosted.get().or(() -> empty(groupId));
        return Optional.of(GroupState.offsetsOnly());
    }

    private Optional<GroupState> empty(String groupId) {
        Long since = emptySinceMs.get(groupId);
        return since == null ? Optional.empty() : Optional.of(GroupState.empty(since));
    }
}
