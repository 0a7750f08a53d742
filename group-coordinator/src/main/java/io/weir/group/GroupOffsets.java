package io.weir.group;

import io.weir.controller.image.MetadataImage;
import io.weir.group.GroupCoordinator.CommittedOffset;
import io.weir.group.GroupCoordinator.OffsetDeletion;
import io.weir.group.consumer.ConsumerGroup;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A group's committed offsets: OffsetCommit (whether the group lets the committer write),
 * OffsetFetch, OffsetDelete, and DeleteGroups, which takes an empty group's offsets with it.
 * The offsets themselves are in {@link OffsetsTopic}; the groups, classic or KIP-848, decide who
 * may commit and which topics' offsets must stay. {@link GroupCoordinator} checks that this node
 * coordinates the group before it calls in.
 */
final class GroupOffsets {
    /** The first OffsetCommit version answered GROUP_ID_NOT_FOUND for a member of a group that does not exist. */
    private static final short FIRST_GROUP_ID_NOT_FOUND_COMMIT = 9;

    private final Supplier<MetadataImage> metadata;
    private final OffsetsTopic offsets;
    private final LongSupplier clock;
    private final ClassicGroups classic;
    private final ConsumerGroups consumers;

    GroupOffsets(Supplier<MetadataImage> metadata, OffsetsTopic offsets, LongSupplier clock, ClassicGroups classic,
                 ConsumerGroups consumers) {
        this.metadata = metadata;
        this.offsets = offsets;
        this.clock = clock;
        this.classic = classic;
        this.consumers = consumers;
    }

    /**
     * Commits offsets for a current member of the group's generation, or, for a group with no
     * members, for anyone (consumers using assign() commit with generation -1).
     */
    CompletableFuture<Errors> commit(String groupId, int generationId, String memberId, String groupInstanceId,
                                     short version, Map<TopicPartition, CommittedOffset> changes) {
        Errors error = checkCommit(groupId, generationId, memberId, groupInstanceId, version);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
        return offsets.write(groupId, changes);
    }

    private Errors checkCommit(String groupId, int generationId, String memberId, String groupInstanceId, short version) {
        Optional<Errors> consumer = consumers.withGroup(groupId, group -> group.checkCommit(memberId, generationId));
        if (consumer.isPresent()) return consumer.get();
        // No group here: only a commit outside any generation (assign() consumers) is accepted. As
        // Kafka, from v9 the answer is GROUP_ID_NOT_FOUND, which both protocols' clients understand.
        return classic.withGroup(groupId,
                        group -> group.checkCommit(generationId, memberId, groupInstanceId, clock.getAsLong()))
                .orElseGet(() -> generationId < 0 ? Errors.NONE
                        : version >= FIRST_GROUP_ID_NOT_FOUND_COMMIT ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION);
    }

    /** The group's committed offsets. */
    Map<TopicPartition, CommittedOffset> committed(String groupId) {
        return offsets.committed(groupId);
    }

    /** Deletes an empty group and its committed offsets (tombstones in the offsets topic). */
    CompletableFuture<Errors> deleteGroup(String groupId) {
        Errors consumer = consumers.removeIfEmpty(groupId);
        if (consumer == Errors.NON_EMPTY_GROUP) return CompletableFuture.completedFuture(consumer);
        if (consumer == Errors.NONE) return offsets.write(groupId, tombstones(offsets.committed(groupId)), false);
        Errors hosted = classic.removeIfEmpty(groupId, false);
        if (hosted == Errors.NON_EMPTY_GROUP) return CompletableFuture.completedFuture(hosted);
        Map<TopicPartition, CommittedOffset> committed = offsets.committed(groupId);
        if (committed.isEmpty() && hosted == Errors.GROUP_ID_NOT_FOUND) {
            return CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND);
        }
        return offsets.write(groupId, tombstones(committed), true);
    }

    private static Map<TopicPartition, CommittedOffset> tombstones(Map<TopicPartition, CommittedOffset> committed) {
        Map<TopicPartition, CommittedOffset> tombstones = new HashMap<>();
        committed.keySet().forEach(tp -> tombstones.put(tp, null));
        return tombstones;
    }

    /**
     * What a classic group keeps from OffsetDelete: nothing while it is empty; with members, the
     * topics they subscribe to ({@code topics}, null for every topic), or everything
     * ({@code refused}) when it is not a consumer group.
     */
    private record ClassicKept(boolean empty, boolean refused, Set<String> topics) {
        static ClassicKept of(Group group) {
            if (group.state() == Group.State.EMPTY) return new ClassicKept(true, false, Set.of());
            if (!Group.CONSUMER_PROTOCOL_TYPE.equals(group.protocolType())) return new ClassicKept(false, true, null);
            return new ClassicKept(false, false, group.subscribedTopics().orElse(null));
        }
    }

    /**
     * Kafka's OffsetDelete: deletes the group's committed offsets of {@code partitions} with
     * tombstones in the offsets topic, except for topics the group's members subscribe to
     * (GROUP_SUBSCRIBED_TO_TOPIC per partition). A group with members that is not a consumer group
     * keeps its offsets (NON_EMPTY_GROUP), as do unknown groups (GROUP_ID_NOT_FOUND). Partitions
     * without a committed offset succeed with nothing written; partitions that do not exist get
     * UNKNOWN_TOPIC_OR_PARTITION.
     */
    CompletableFuture<OffsetDeletion> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        Map<TopicPartition, CommittedOffset> committed = offsets.committed(groupId);
        Optional<Set<String>> consumerTopics = consumers.withGroup(groupId, ConsumerGroup::subscribedTopicNames);
        Optional<ClassicKept> classicKept = classic.withGroup(groupId, ClassicKept::of);
        if (classicKept.isEmpty() && consumerTopics.isEmpty() && committed.isEmpty()) {
            return CompletableFuture.completedFuture(new OffsetDeletion(Errors.GROUP_ID_NOT_FOUND, Map.of()));
        }
        // The topics whose offsets stay; null while a consumer group's subscriptions are not known
        // yet (no protocol chosen), which protects every topic.
        Set<String> consumed = consumerTopics.orElse(Set.of());
        if (classicKept.isPresent() && !classicKept.get().empty()) {
            if (classicKept.get().refused()) {
                return CompletableFuture.completedFuture(new OffsetDeletion(Errors.NON_EMPTY_GROUP, Map.of()));
            }
            consumed = classicKept.get().topics();
        }
        Map<TopicPartition, Errors> results = new LinkedHashMap<>();
        Map<TopicPartition, CommittedOffset> tombstones = new HashMap<>();
        MetadataImage image = metadata.get();
        for (TopicPartition tp : partitions) {
            if (!image.topic(tp.topic()).map(t -> t.partitions().containsKey(tp.partition())).orElse(false)) {
                results.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else if (consumed == null || consumed.contains(tp.topic())) {
                results.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                results.put(tp, Errors.NONE);
                if (committed.containsKey(tp)) tombstones.put(tp, null);
            }
        }
        if (tombstones.isEmpty()) return CompletableFuture.completedFuture(new OffsetDeletion(Errors.NONE, results));
        return offsets.write(groupId, tombstones).thenApply(written -> {
            if (written != Errors.NONE) tombstones.keySet().forEach(tp -> results.put(tp, written));
            return new OffsetDeletion(Errors.NONE, results);
        });
    }
}
