package io.weir.group;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.TopicImage;
import io.weir.group.consumer.ConsumerGroup;
import io.weir.group.consumer.ConsumerGroupRecords;
import io.weir.group.consumer.RangeAssignor;
import io.weir.group.consumer.TopicIdPartition;
import io.weir.group.consumer.UniformAssignor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The KIP-848 consumer groups this node coordinates (ConsumerGroupHeartbeat,
 * ConsumerGroupDescribe), the shell around each one's pure {@link ConsumerGroup}: calls hold the
 * group's monitor, read the clock and look topics up in the newest metadata image. After each
 * call, what changed in the group is written to the offsets topic as Kafka's records
 * ({@link ConsumerGroupRecords}: the difference between the group's records and those last
 * written), and a heartbeat is answered once that is committed; a coordinator that takes over the
 * partition restores the groups from them. {@link GroupCoordinator} checks that this node
 * coordinates the group before it calls in.
 */
final class ConsumerGroups {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroups.class);

    private final Supplier<MetadataImage> metadata;
    private final LongSupplier clock;
    private final int sessionTimeoutMs;
    private final int heartbeatIntervalMs;
    private final OffsetsTopic offsets;
    private final ConcurrentHashMap<String, ConsumerGroup> groups = new ConcurrentHashMap<>();
    /** Each group's records as last written to the offsets topic (read and changed under the group's monitor). */
    private final ConcurrentHashMap<String, Map<ByteBuffer, byte[]>> written = new ConcurrentHashMap<>();
    /** The topic names of the last image a heartbeat saw, by the image's name map. */
    private volatile Map.Entry<Map<String, UUID>, Set<String>> topicNames = Map.entry(Map.of(), Set.of());
    /** Bounds the per-principal cache below; past it the cache starts over. */
    private static final int MAX_VISIBLE_NAMES_CACHED = 1024;

    private record VisibleNames(Map<String, UUID> topics, Map<UUID, io.weir.controller.acl.AclBinding> acls,
                                Set<String> names) {
    }

    private final Map<String, VisibleNames> visibleNames = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param sessionTimeoutMs Kafka's {@code group.consumer.session.timeout.ms}
     * @param heartbeatIntervalMs Kafka's {@code group.consumer.heartbeat.interval.ms}
     */
    ConsumerGroups(Supplier<MetadataImage> metadata, OffsetsTopic offsets, LongSupplier clock, int sessionTimeoutMs,
                   int heartbeatIntervalMs) {
        this.metadata = metadata;
        this.offsets = offsets;
        this.clock = clock;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
    }

    boolean contains(String groupId) {
        return groups.containsKey(groupId);
    }

    /** Runs {@code f} on the group under its monitor; empty when this node has no such consumer group. */
    <T> Optional<T> withGroup(String groupId, Function<ConsumerGroup, T> f) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null) return Optional.empty();
        synchronized (group) {
            return Optional.of(f.apply(group));
        }
    }

    /** Removes the group if it has no members: NONE when removed, NON_EMPTY_GROUP, or GROUP_ID_NOT_FOUND. */
    Errors removeIfEmpty(String groupId) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null) return Errors.GROUP_ID_NOT_FOUND;
        synchronized (group) {
            if (!group.isEmpty()) return Errors.NON_EMPTY_GROUP;
            groups.remove(groupId, group);
            // Tombstones for every record it has, so a later coordinator does not bring it back.
            Map<ByteBuffer, byte[]> before = written.remove(groupId);
            if (before != null) {
                offsets.writeConsumerGroup(groupId, ConsumerGroupRecords.diff(before, Map.of())).thenAccept(outcome -> {
                    if (outcome != Errors.NONE) log.warn("Consumer group {}: tombstones not written ({})", groupId, outcome);
                });
            }
        }
        return Errors.NONE;
    }

    /** Forgets the groups {@code unloaded} names (the node no longer leads their offsets partition). */
    void unload(Predicate<String> unloaded) {
        groups.keySet().removeIf(unloaded);
        written.keySet().removeIf(unloaded);
    }

    /** Takes over the groups an offsets partition's records hold, as it was loaded on this node's becoming its leader. */
    void restore(Map<String, ConsumerGroupRecords.Loaded> loaded) {
        MetadataImage image = metadata.get();
        long now = clock.getAsLong();
        loaded.forEach((groupId, records) -> {
            ConsumerGroup group = newGroup(groupId);
            synchronized (group) {
                group.restore(records, now, topicLookup(image), () -> topicNames(image));
                groups.put(groupId, group);
                written.put(groupId, group.records());
            }
        });
    }

    /**
     * Writes what changed in the group since its last write; called under the group's monitor, so
     * a group's writes reach the log in the order of its changes. A failed write leaves every
     * record to be written again (tombstones included) with the next change.
     */
    private CompletableFuture<Errors> persist(ConsumerGroup group) {
        Map<ByteBuffer, byte[]> now = group.records();
        Map<ByteBuffer, byte[]> before = written.getOrDefault(group.groupId, Map.of());
        List<ConsumerGroupRecords.Write> changes = ConsumerGroupRecords.diff(before, now);
        if (changes.isEmpty()) return CompletableFuture.completedFuture(Errors.NONE);
        written.put(group.groupId, now);
        return offsets.writeConsumerGroup(group.groupId, changes).thenApply(outcome -> {
            if (outcome != Errors.NONE) {
                synchronized (group) {
                    Map<ByteBuffer, byte[]> dirty = new HashMap<>();
                    written.getOrDefault(group.groupId, Map.of()).keySet().forEach(k -> dirty.put(k, new byte[0]));
                    before.keySet().forEach(k -> dirty.put(k, new byte[0]));
                    if (groups.get(group.groupId) == group) written.put(group.groupId, dirty);
                }
                log.warn("Consumer group {}: records not written ({}); written again with its next change",
                        group.groupId, outcome);
            }
            return outcome;
        });
    }

    /** Expires sessions and rebalance timeouts in every group. */
    void tickAll() {
        for (ConsumerGroup group : groups.values()) {
            try {
                synchronized (group) {
                    int epoch = group.groupEpoch();
                    group.tick(clock.getAsLong());
                    // A tick changes a group only by removing members, which starts a new group epoch.
                    if (group.groupEpoch() != epoch) persist(group);
                }
            } catch (RuntimeException e) {
                log.error("Ticking consumer group {} failed", group.groupId, e);
            }
        }
    }

    /**
     * One ConsumerGroupHeartbeat, for a group id no classic group with members holds; answered once
     * what it changed is committed to the offsets topic (else with the coordinator error).
     */
    CompletableFuture<ConsumerGroupHeartbeatResponseData> heartbeat(ConsumerGroupHeartbeatRequestData in, String clientId,
                                                                    String clientHost) {
        return heartbeat(in, clientId, clientHost, null);
    }

    /**
     * @param visible the topics the member's principal may describe, which alone its group's
     *     regexes match (as Kafka resolves them with the context of the member that asked);
     *     null when every topic is visible
     */
    CompletableFuture<ConsumerGroupHeartbeatResponseData> heartbeat(ConsumerGroupHeartbeatRequestData in, String clientId,
                                                                    String clientHost, TopicVisibility visible) {
        if (in.memberEpoch() != 0 && !groups.containsKey(in.groupId())) {
            return CompletableFuture.completedFuture(ConsumerGroup.error(Errors.UNKNOWN_MEMBER_ID,
                    "Group " + in.groupId() + " has no member " + in.memberId()));
        }
        ConsumerGroup group = groups.computeIfAbsent(in.groupId(), this::newGroup);
        MetadataImage image = metadata.get();
        synchronized (group) {
            ConsumerGroupHeartbeatResponseData out = group.heartbeat(in, clientId, clientHost, clock.getAsLong(),
                    topicLookup(image), () -> visible == null ? topicNames(image) : visibleNames(image, visible));
            return persist(group).thenApply(outcome -> outcome == Errors.NONE ? out : ConsumerGroup.error(outcome, null));
        }
    }

    private ConsumerGroup newGroup(String groupId) {
        return new ConsumerGroup(groupId, List.of(new UniformAssignor(), new RangeAssignor()), UniformAssignor.NAME,
                sessionTimeoutMs, heartbeatIntervalMs, () -> Uuid.randomUuid().toString());
    }

    private static Function<String, Optional<ConsumerGroup.Topic>> topicLookup(MetadataImage image) {
        return name -> image.topic(name).map(t -> new ConsumerGroup.Topic(uuid(t.id()), t.name(), t.partitionCount()));
    }

    /** The ids of the groups this node hosts. */
    java.util.Set<String> groupIds() {
        return java.util.Set.copyOf(groups.keySet());
    }

    /** The image's topic names, the same set object while its topics do not change (groups then keep their regex matches). */
    private Set<String> topicNames(MetadataImage image) {
        Map.Entry<Map<String, UUID>, Set<String>> known = topicNames;
        if (known.getKey() != image.topicIdsByName()) {
            known = Map.entry(image.topicIdsByName(), image.topicIdsByName().keySet());
            topicNames = known;
        }
        return known.getValue();
    }

    /**
     * The topic names a principal may describe, the same set object while the image's topics and
     * ACLs do not change, so that its group keeps its regex matches between heartbeats.
     */
    private Set<String> visibleNames(MetadataImage image, TopicVisibility visible) {
        VisibleNames known = visibleNames.get(visible.principal());
        if (known == null || known.topics() != image.topicIdsByName() || known.acls() != image.acls()) {
            Set<String> names = new java.util.HashSet<>();
            for (String name : topicNames(image)) {
                if (visible.describable().test(name)) names.add(name);
            }
            if (visibleNames.size() >= MAX_VISIBLE_NAMES_CACHED) visibleNames.clear();
            known = new VisibleNames(image.topicIdsByName(), image.acls(), Set.copyOf(names));
            visibleNames.put(visible.principal(), known);
        }
        return known.names();
    }

    /** The groups {@code coordinated} accepts, as ListGroups reports them. */
    List<ListGroupsResponseData.ListedGroup> list(Predicate<String> coordinated) {
        List<ListGroupsResponseData.ListedGroup> out = new ArrayList<>();
        for (ConsumerGroup group : groups.values()) {
            if (!coordinated.test(group.groupId)) continue;
            synchronized (group) {
                out.add(new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId)
                        .setProtocolType(Group.CONSUMER_PROTOCOL_TYPE).setGroupState(group.state().kafkaName)
                        .setGroupType("consumer"));
            }
        }
        return out;
    }

    /** ConsumerGroupDescribe of one group: GROUP_ID_NOT_FOUND unless it is a consumer group here. */
    ConsumerGroupDescribeResponseData.DescribedGroup describe(ConsumerGroupDescribeResponseData.DescribedGroup out) {
        ConsumerGroup group = groups.get(out.groupId());
        if (group == null) {
            return out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                    .setErrorMessage("Group " + out.groupId() + " is not a consumer group.");
        }
        MetadataImage image = metadata.get();
        synchronized (group) {
            out.setErrorCode(Errors.NONE.code()).setGroupState(group.state().kafkaName).setGroupEpoch(group.groupEpoch())
                    .setAssignmentEpoch(group.targetAssignmentEpoch()).setAssignorName(group.assignorName());
            for (ConsumerGroup.Member m : group.members()) {
                out.members().add(new ConsumerGroupDescribeResponseData.Member().setMemberId(m.memberId)
                        .setInstanceId(m.instanceId()).setRackId(m.rackId()).setMemberEpoch(m.memberEpoch())
                        .setClientId(m.clientId() == null ? "" : m.clientId())
                        .setClientHost(m.clientHost() == null ? "" : m.clientHost())
                        .setSubscribedTopicNames(m.subscribedTopicNames())
                        .setSubscribedTopicRegex(m.subscribedTopicRegex())
                        .setAssignment(describedAssignment(m.assigned(), image))
                        .setTargetAssignment(describedAssignment(group.targetOf(m.memberId), image))
                        .setMemberType((byte) 1));
            }
        }
        return out;
    }

    private static ConsumerGroupDescribeResponseData.Assignment describedAssignment(
            SortedSet<TopicIdPartition> partitions, MetadataImage image) {
        Map<Uuid, List<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topicId(), t -> new ArrayList<>()).add(tp.partition()));
        List<ConsumerGroupDescribeResponseData.TopicPartitions> topics = new ArrayList<>();
        byTopic.forEach((id, ps) -> topics.add(new ConsumerGroupDescribeResponseData.TopicPartitions().setTopicId(id)
                .setTopicName(image.topic(new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits()))
                        .map(TopicImage::name).orElse(""))
                .setPartitions(ps)));
        return new ConsumerGroupDescribeResponseData.Assignment().setTopicPartitions(topics);
    }

    private static Uuid uuid(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
