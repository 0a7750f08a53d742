package io.weir.group;

import io.weir.replication.ReplicaManager;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.image.BrokerRegistration;
import io.weir.group.consumer.ConsumerGroup;
import io.weir.group.consumer.RangeAssignor;
import io.weir.group.consumer.TopicIdPartition;
import io.weir.group.consumer.UniformAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Consumer groups under Kafka's classic rebalance protocol: JoinGroup/SyncGroup/Heartbeat/
 * LeaveGroup and committed offsets.
 *
 * <p>As in Kafka, a group's coordinator is the leader of its partition of the internal topic
 * {@value OffsetsTopic#NAME}, where its committed offsets and its metadata (generation, leader,
 * members and assignments, as Kafka records them) are stored and replicated ({@link OffsetsTopic}).
 * When leadership of the partition moves, members are told NOT_COORDINATOR and find the new
 * coordinator, which has replayed the partition: a Stable group carries on at its generation.
 *
 * <p>This is the imperative shell around {@link Group}, the pure state machine that decides the
 * rebalance protocol: it checks that this node coordinates the group, serialises calls per
 * group, reads the clock, turns the group's replies into completed futures, runs its timers
 * and writes offsets through {@link OffsetsTopic}.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    private static final long EXPIRY_CHECK_MS = 250;
    /** The first OffsetCommit version answered GROUP_ID_NOT_FOUND for a member of a group that does not exist. */
    private static final short FIRST_GROUP_ID_NOT_FOUND_COMMIT = 9;
    /** Kafka's defaults of {@code group.consumer.session.timeout.ms} and {@code group.consumer.heartbeat.interval.ms}. */
    public static final int CONSUMER_SESSION_TIMEOUT_MS = 45_000;
    public static final int CONSUMER_HEARTBEAT_INTERVAL_MS = 5_000;

    /** A committed offset as a consumer stored it. */
    public record CommittedOffset(long offset, int leaderEpoch, String metadata) {
    }

    private final Supplier<MetadataImage> metadata;
    private final String listener;
    private final long initialRebalanceDelayMs;
    private final OffsetsTopic offsets;
    private final LongSupplier clock = () -> System.nanoTime() / 1_000_000;
    private final ConcurrentHashMap<String, Hosted> groups = new ConcurrentHashMap<>();
    /** KIP-848 consumer groups; a group id is in at most one of the two maps. Calls hold the group's monitor. */
    private final ConcurrentHashMap<String, ConsumerGroup> consumerGroups = new ConcurrentHashMap<>();
    private final int consumerSessionTimeoutMs;
    private final int consumerHeartbeatIntervalMs;
    private final AtomicLong requestIds = new AtomicLong();
    /** JoinGroup and SyncGroup requests a group has not answered yet, by request id. */
    private final ConcurrentHashMap<Long, CompletableFuture<JoinGroupResponseData>> pendingJoins = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, CompletableFuture<SyncGroupResponseData>> pendingSyncs = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weir-group-coordinator");
        t.setDaemon(true);
        return t;
    });

    /** A group this node coordinates, with the timer at its rebalance deadline; calls hold its monitor. */
    private static final class Hosted {
        final Group group;
        ScheduledFuture<?> timer;
        long timerDeadlineMs = Long.MAX_VALUE;

        Hosted(Group group) {
            this.group = group;
        }
    }

    /**
     * @param metadata the newest metadata image this node has replayed
     * @param nodeId this node's id
     * @param listener the listener whose endpoints clients are sent to
     * @param initialRebalanceDelayMs Kafka's {@code group.initial.rebalance.delay.ms}: how long a
     *     new group waits for more members before its first rebalance completes
     */
    public GroupCoordinator(Supplier<MetadataImage> metadata, int nodeId, ReplicaManager replicas, String listener,
                            long initialRebalanceDelayMs) {
        this(metadata, nodeId, replicas, listener, initialRebalanceDelayMs, CONSUMER_SESSION_TIMEOUT_MS,
                CONSUMER_HEARTBEAT_INTERVAL_MS);
    }

    /**
     * @param consumerSessionTimeoutMs Kafka's {@code group.consumer.session.timeout.ms}: a KIP-848
     *     member that has not heartbeated for this long is removed
     * @param consumerHeartbeatIntervalMs Kafka's {@code group.consumer.heartbeat.interval.ms}: how
     *     often KIP-848 members are told to heartbeat (and so how soon they learn of a new assignment)
     */
    public GroupCoordinator(Supplier<MetadataImage> metadata, int nodeId, ReplicaManager replicas, String listener,
                            long initialRebalanceDelayMs, int consumerSessionTimeoutMs, int consumerHeartbeatIntervalMs) {
        this.consumerSessionTimeoutMs = consumerSessionTimeoutMs;
        this.consumerHeartbeatIntervalMs = consumerHeartbeatIntervalMs;
        this.metadata = metadata;
        this.listener = listener;
        this.initialRebalanceDelayMs = initialRebalanceDelayMs;
        this.offsets = new OffsetsTopic(metadata, nodeId, replicas, this::restoreGroups, this::unloadGroups);
        timer.scheduleWithFixedDelay(this::tickAll, EXPIRY_CHECK_MS, EXPIRY_CHECK_MS, TimeUnit.MILLISECONDS);
    }

    /** The listener whose endpoints FindCoordinator answers with. */
    public String listener() {
        return listener;
    }

    /** The broker that coordinates {@code groupId}: the leader of its offsets partition, if live. */
    public Optional<BrokerRegistration> coordinatorFor(String groupId) {
        MetadataImage image = metadata.get();
        return image.topic(OffsetsTopic.NAME)
                .map(t -> t.partition(OffsetsTopic.partitionFor(groupId, t.partitionCount())))
                .filter(PartitionRegistration::hasLeader)
                .flatMap(p -> image.broker(p.leader()))
                .filter(b -> !b.fenced() && b.endpoint(listener).isPresent());
    }

    /** NONE when this node coordinates {@code groupId} and has loaded it, else the error to answer with. */
    public Errors checkCoordinator(String groupId) {
        if (groupId == null || groupId.isEmpty()) return Errors.INVALID_GROUP_ID;
        return offsets.state(groupId);
    }

    /** Applies an image change: loads offsets partitions this node now leads, forgets the others. */
    public void onMetadataChange(MetadataImage previous, MetadataImage next) {
        offsets.onMetadataChange(next, this::unloadGroups);
    }

    /** Forgets the groups of an offsets partition this node no longer leads; their waiting requests get NOT_COORDINATOR. */
    private void unloadGroups(int partition) {
        int partitionCount = metadata.get().topic(OffsetsTopic.NAME).map(TopicImage::partitionCount).orElse(0);
        consumerGroups.keySet().removeIf(groupId ->
                partitionCount == 0 || OffsetsTopic.partitionFor(groupId, partitionCount) == partition);
        for (Hosted hosted : groups.values()) {
            String groupId = hosted.group.groupId;
            if (partitionCount > 0 && OffsetsTopic.partitionFor(groupId, partitionCount) != partition) continue;
            synchronized (hosted) {
                hosted.group.abandon(Errors.NOT_COORDINATOR);
                settle(hosted);
                groups.remove(groupId, hosted);
            }
        }
    }

    /**
     * Takes over the groups an offsets partition records, as it was loaded on this node's
     * becoming its leader: each continues at its recorded generation (see {@link Group#restore}).
     */
    private void restoreGroups(int partition, Map<String, GroupMetadataValue> recorded) {
        long now = clock.getAsLong();
        recorded.forEach((groupId, value) -> {
            Group group = Group.restore(groupId, value, initialRebalanceDelayMs, () -> UUID.randomUUID().toString(), now);
            groups.put(groupId, new Hosted(group));
            log.info("Group {} taken over at generation {} ({}, {} members)", groupId, group.generationId(),
                    group.state().kafkaName, group.members().size());
        });
    }

    // ---- JoinGroup, SyncGroup, Heartbeat, LeaveGroup: the calls into the group's state machine ----

    public CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData in, short version, String clientId,
                                                         String clientHost) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return CompletableFuture.completedFuture(GroupReplies.joinError(error, in.memberId()));
        if (!Group.validSessionTimeout(in.sessionTimeoutMs())) {
            // Refused before the group is looked up, so a bad request leaves no empty group behind.
            return CompletableFuture.completedFuture(GroupReplies.joinError(Errors.INVALID_SESSION_TIMEOUT, in.memberId()));
        }
        ConsumerGroup consumers = consumerGroups.get(in.groupId());
        if (consumers != null) {
            synchronized (consumers) {
                // A group id is classic or consumer; an empty consumer group may become classic, as in Kafka.
                if (!consumers.isEmpty()) {
                    return CompletableFuture.completedFuture(GroupReplies.joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, in.memberId()));
                }
                consumerGroups.remove(in.groupId(), consumers);
            }
        }
        Hosted hosted = groups.computeIfAbsent(in.groupId(), this::host);
        CompletableFuture<JoinGroupResponseData> answer = new CompletableFuture<>();
        synchronized (hosted) {
            long requestId = requestIds.incrementAndGet();
            pendingJoins.put(requestId, answer);
            hosted.group.join(requestId, in, version, clientId, clientHost, clock.getAsLong());
            settle(hosted);
        }
        return answer;
    }

    public CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData in) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return CompletableFuture.completedFuture(GroupReplies.syncError(error));
        Hosted hosted = groups.get(in.groupId());
        if (hosted == null) return CompletableFuture.completedFuture(GroupReplies.syncError(Errors.UNKNOWN_MEMBER_ID));
        CompletableFuture<SyncGroupResponseData> answer = new CompletableFuture<>();
        synchronized (hosted) {
            long requestId = requestIds.incrementAndGet();
            pendingSyncs.put(requestId, answer);
            hosted.group.sync(requestId, in, clock.getAsLong());
            settle(hosted);
        }
        return answer;
    }

    public Errors heartbeat(HeartbeatRequestData in) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return error;
        Hosted hosted = groups.get(in.groupId());
        if (hosted == null) return Errors.UNKNOWN_MEMBER_ID;
        synchronized (hosted) {
            return hosted.group.heartbeat(in.memberId(), in.groupInstanceId(), in.generationId(), clock.getAsLong());
        }
    }

    /**
     * Removes the members, each named by its member id or by its {@code group.instance.id};
     * returns the error for each, in the order asked (NONE when it left).
     */
    public List<Errors> leave(String groupId, List<LeaveGroupRequestData.MemberIdentity> leaving) {
        List<Errors> out = new java.util.ArrayList<>();
        Errors error = checkCoordinator(groupId);
        Hosted hosted = error == Errors.NONE ? groups.get(groupId) : null;
        for (LeaveGroupRequestData.MemberIdentity m : leaving) {
            if (error != Errors.NONE) {
                out.add(error);
                continue;
            }
            if (hosted == null) {
                out.add(Errors.UNKNOWN_MEMBER_ID);
                continue;
            }
            synchronized (hosted) {
                out.add(hosted.group.leave(m.memberId(), m.groupInstanceId(), clock.getAsLong()));
                settle(hosted);
            }
        }
        return out;
    }

    /** Ticks every group: completes rebalances whose deadline passed, expires sessions. */
    private void tickAll() {
        for (ConsumerGroup group : consumerGroups.values()) {
            try {
                synchronized (group) {
                    group.tick(clock.getAsLong());
                }
            } catch (RuntimeException e) {
                log.error("Ticking consumer group {} failed", group.groupId, e);
            }
        }
        for (Hosted hosted : groups.values()) {
            try {
                tick(hosted);
            } catch (RuntimeException e) {
                // One group's bug must not stop session expiry for the others (a periodic task dies on its first throw).
                log.error("Ticking group {} failed", hosted.group.groupId, e);
            }
        }
    }

    private void tick(Hosted hosted) {
        synchronized (hosted) {
            if (groups.get(hosted.group.groupId) != hosted) return; // unloaded meanwhile
            hosted.group.tick(clock.getAsLong());
            settle(hosted);
        }
    }

    private Hosted host(String groupId) {
        return new Hosted(new Group(groupId, initialRebalanceDelayMs, () -> UUID.randomUUID().toString()));
    }

    /**
     * The imperative half of every call into a group, under its monitor: completes the futures of
     * the requests the group answered and keeps one timer at its rebalance deadline.
     */
    private void settle(Hosted hosted) {
        List<GroupReply> replies = hosted.group.takeReplies();
        Optional<GroupMetadataValue> record = hosted.group.takeRecord();
        // As Kafka does, answers wait until the group's new metadata is committed, so a member
        // never works on an assignment or member id that a coordinator failover would forget.
        CompletableFuture<Errors> recorded = record.isEmpty() ? CompletableFuture.completedFuture(Errors.NONE)
                : offsets.writeGroup(hosted.group.groupId, record.get());
        for (GroupReply reply : replies) {
            if (reply instanceof GroupReply.Join join) {
                CompletableFuture<JoinGroupResponseData> answer = pendingJoins.remove(join.requestId());
                if (answer == null) throw new IllegalStateException("group answered request " + join.requestId() + " twice");
                // A static member that took its old place is answered once the new member id is recorded.
                recorded.whenComplete((written, failure) -> {
                    Errors error = failure != null ? Errors.COORDINATOR_NOT_AVAILABLE : written;
                    if (error != Errors.NONE && join.response().errorCode() == Errors.NONE.code()) {
                        answer.complete(GroupReplies.joinError(error, join.response().memberId()));
                    } else {
                        answer.complete(join.response());
                    }
                });
            } else if (reply instanceof GroupReply.Sync sync) {
                CompletableFuture<SyncGroupResponseData> answer = pendingSyncs.remove(sync.requestId());
                if (answer == null) throw new IllegalStateException("group answered request " + sync.requestId() + " twice");
                recorded.whenComplete((written, failure) -> {
                    Errors error = failure != null ? Errors.COORDINATOR_NOT_AVAILABLE : written;
                    if (error != Errors.NONE && sync.response().errorCode() == Errors.NONE.code()) {
                        log.warn("Group {}: metadata not written ({}); SyncGroup answered with it", hosted.group.groupId, error);
                        answer.complete(GroupReplies.syncError(error));
                    } else {
                        answer.complete(sync.response());
                    }
                });
            }
        }
        long deadline = hosted.group.rebalanceDeadlineMs().orElse(Long.MAX_VALUE);
        if (deadline == hosted.timerDeadlineMs) return;
        if (hosted.timer != null) hosted.timer.cancel(false);
        hosted.timer = deadline == Long.MAX_VALUE ? null
                : timer.schedule(() -> tick(hosted), Math.max(0, deadline - clock.getAsLong()), TimeUnit.MILLISECONDS);
        hosted.timerDeadlineMs = deadline;
    }

    private static <T> void complete(CompletableFuture<T> future, T response, long requestId) {
        if (future == null) throw new IllegalStateException("group answered request " + requestId + " twice");
        future.complete(response);
    }

    // ---- KIP-848: ConsumerGroupHeartbeat, ConsumerGroupDescribe ----

    /** One ConsumerGroupHeartbeat. */
    public ConsumerGroupHeartbeatResponseData consumerHeartbeat(ConsumerGroupHeartbeatRequestData in, String clientId,
                                                               String clientHost) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return ConsumerGroup.error(error, null);
        Hosted classic = groups.get(in.groupId());
        if (classic != null) {
            synchronized (classic) {
                // A group id is classic or consumer; an empty classic group may become a consumer group, as in Kafka.
                if (classic.group.state() != Group.State.EMPTY) {
                    return ConsumerGroup.error(Errors.GROUP_ID_NOT_FOUND, "Group " + in.groupId() + " is not a consumer group.");
                }
                groups.remove(in.groupId(), classic);
                // Its metadata record goes too, so a later coordinator does not bring the classic group back.
                offsets.writeGroup(in.groupId(), null).thenAccept(written -> {
                    if (written != Errors.NONE) log.warn("Group {}: tombstone of its classic metadata not written ({})",
                            in.groupId(), written);
                });
            }
        }
        if (in.memberEpoch() != 0 && !consumerGroups.containsKey(in.groupId())) {
            return ConsumerGroup.error(Errors.UNKNOWN_MEMBER_ID, "Group " + in.groupId() + " has no member " + in.memberId());
        }
        ConsumerGroup group = consumerGroups.computeIfAbsent(in.groupId(), id -> new ConsumerGroup(id,
                List.of(new UniformAssignor(), new RangeAssignor()), UniformAssignor.NAME, consumerSessionTimeoutMs,
                consumerHeartbeatIntervalMs, () -> Uuid.randomUuid().toString()));
        MetadataImage image = metadata.get();
        synchronized (group) {
            return group.heartbeat(in, clientId, clientHost, clock.getAsLong(), name -> image.topic(name)
                    .map(t -> new ConsumerGroup.Topic(uuid(t.id()), t.name(), t.partitionCount())));
        }
    }

    /** ConsumerGroupDescribe of one group: GROUP_ID_NOT_FOUND unless it is a consumer group here. */
    public ConsumerGroupDescribeResponseData.DescribedGroup consumerDescribe(String groupId) {
        ConsumerGroupDescribeResponseData.DescribedGroup out = new ConsumerGroupDescribeResponseData.DescribedGroup()
                .setGroupId(groupId).setGroupState("Dead");
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return out.setErrorCode(error.code());
        ConsumerGroup group = consumerGroups.get(groupId);
        if (group == null) {
            return out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                    .setErrorMessage("Group " + groupId + " is not a consumer group.");
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
                        .setAssignment(describedAssignment(m.assigned(), image))
                        .setTargetAssignment(describedAssignment(group.targetOf(m.memberId), image))
                        .setMemberType((byte) 1));
            }
        }
        return out;
    }

    private static ConsumerGroupDescribeResponseData.Assignment describedAssignment(
            java.util.SortedSet<TopicIdPartition> partitions, MetadataImage image) {
        Map<Uuid, List<Integer>> byTopic = new java.util.TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topicId(), t -> new java.util.ArrayList<>()).add(tp.partition()));
        List<ConsumerGroupDescribeResponseData.TopicPartitions> topics = new java.util.ArrayList<>();
        byTopic.forEach((id, ps) -> topics.add(new ConsumerGroupDescribeResponseData.TopicPartitions().setTopicId(id)
                .setTopicName(image.topic(new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits()))
                        .map(TopicImage::name).orElse(""))
                .setPartitions(ps)));
        return new ConsumerGroupDescribeResponseData.Assignment().setTopicPartitions(topics);
    }

    private static Uuid uuid(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    // ---- offsets ----

    /**
     * Commits offsets for a current member of the group's generation, or, for a group with no
     * members, for anyone (consumers using assign() commit with generation -1).
     */
    public CompletableFuture<Errors> commit(String groupId, int generationId, String memberId, String groupInstanceId,
                                            short version, Map<TopicPartition, CommittedOffset> changes) {
        Errors error = checkCommit(groupId, generationId, memberId, groupInstanceId, version);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
        return offsets.write(groupId, changes);
    }

    private Errors checkCommit(String groupId, int generationId, String memberId, String groupInstanceId, short version) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return error;
        ConsumerGroup consumers = consumerGroups.get(groupId);
        if (consumers != null) {
            synchronized (consumers) {
                return consumers.checkCommit(memberId, generationId);
            }
        }
        Hosted hosted = groups.get(groupId);
        // No group here: only a commit outside any generation (assign() consumers) is accepted. As
        // Kafka, from v9 the answer is GROUP_ID_NOT_FOUND, which both protocols' clients understand.
        if (hosted == null) {
            return generationId < 0 ? Errors.NONE
                    : version >= FIRST_GROUP_ID_NOT_FOUND_COMMIT ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
        }
        synchronized (hosted) {
            return hosted.group.checkCommit(generationId, memberId, groupInstanceId, clock.getAsLong());
        }
    }

    /** The group's committed offsets. */
    public Map<TopicPartition, CommittedOffset> committed(String groupId) {
        return offsets.committed(groupId);
    }

    // ---- ListGroups, DescribeGroups, DeleteGroups ----

    /** Groups this node coordinates (including groups that only have committed offsets). */
    public List<ListGroupsResponseData.ListedGroup> list(List<String> statesFilter, List<String> typesFilter) {
        Map<String, ListGroupsResponseData.ListedGroup> out = new java.util.TreeMap<>();
        for (Hosted hosted : groups.values()) {
            Group group = hosted.group;
            if (checkCoordinator(group.groupId) != Errors.NONE) continue;
            synchronized (hosted) {
                out.put(group.groupId, new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId)
                        .setProtocolType(group.protocolType() == null ? "" : group.protocolType())
                        .setGroupState(group.state().kafkaName).setGroupType("classic"));
            }
        }
        for (ConsumerGroup group : consumerGroups.values()) {
            if (checkCoordinator(group.groupId) != Errors.NONE) continue;
            synchronized (group) {
                out.put(group.groupId, new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId)
                        .setProtocolType(Group.CONSUMER_PROTOCOL_TYPE).setGroupState(group.state().kafkaName)
                        .setGroupType("consumer"));
            }
        }
        for (String groupId : offsets.groupsWithOffsets()) {
            if (out.containsKey(groupId) || checkCoordinator(groupId) != Errors.NONE) continue;
            out.put(groupId, new ListGroupsResponseData.ListedGroup().setGroupId(groupId).setProtocolType("")
                    .setGroupState(Group.State.EMPTY.kafkaName).setGroupType("classic"));
        }
        return out.values().stream()
                .filter(g -> statesFilter == null || statesFilter.isEmpty()
                        || statesFilter.stream().anyMatch(f -> f.equalsIgnoreCase(g.groupState())))
                .filter(g -> typesFilter == null || typesFilter.isEmpty()
                        || typesFilter.stream().anyMatch(f -> f.equalsIgnoreCase(g.groupType())))
                .toList();
    }

    public DescribeGroupsResponseData.DescribedGroup describe(String groupId, boolean unknownIsError) {
        DescribeGroupsResponseData.DescribedGroup out = new DescribeGroupsResponseData.DescribedGroup()
                .setGroupId(groupId).setProtocolType("").setProtocolData("").setGroupState("Dead");
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return out.setErrorCode(error.code());
        if (consumerGroups.containsKey(groupId)) {
            // As Kafka: DescribeGroups is for classic groups (the admin client asks ConsumerGroupDescribe first).
            return out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
        }
        Hosted hosted = groups.get(groupId);
        if (hosted == null) {
            if (!offsets.committed(groupId).isEmpty()) return out.setErrorCode(Errors.NONE.code()).setGroupState("Empty");
            return out.setErrorCode((unknownIsError ? Errors.GROUP_ID_NOT_FOUND : Errors.NONE).code());
        }
        synchronized (hosted) {
            Group group = hosted.group;
            String protocol = group.protocolName();
            out.setErrorCode(Errors.NONE.code()).setGroupState(group.state().kafkaName)
                    .setProtocolType(group.protocolType() == null ? "" : group.protocolType())
                    .setProtocolData(protocol == null ? "" : protocol);
            for (GroupMember m : group.members()) {
                out.members().add(new DescribeGroupsResponseData.DescribedGroupMember().setMemberId(m.memberId)
                        .setGroupInstanceId(m.groupInstanceId).setClientId(m.clientId).setClientHost(m.clientHost)
                        .setMemberMetadata(protocol == null ? new byte[0] : m.metadata(protocol))
                        .setMemberAssignment(group.state() == Group.State.STABLE ? m.assignment() : new byte[0]));
            }
        }
        return out;
    }

    /** Deletes an empty group and its committed offsets (tombstones in the offsets topic). */
    public CompletableFuture<Errors> delete(String groupId) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
        ConsumerGroup consumers = consumerGroups.get(groupId);
        if (consumers != null) {
            synchronized (consumers) {
                if (!consumers.isEmpty()) return CompletableFuture.completedFuture(Errors.NON_EMPTY_GROUP);
                consumerGroups.remove(groupId, consumers);
            }
            Map<TopicPartition, CommittedOffset> tombstones = new HashMap<>();
            offsets.committed(groupId).keySet().forEach(tp -> tombstones.put(tp, null));
            return offsets.write(groupId, tombstones, false);
        }
        Hosted hosted = groups.get(groupId);
        if (hosted != null) {
            synchronized (hosted) {
                if (hosted.group.state() != Group.State.EMPTY) {
                    return CompletableFuture.completedFuture(Errors.NON_EMPTY_GROUP);
                }
                groups.remove(groupId, hosted);
            }
        }
        Map<TopicPartition, CommittedOffset> committed = offsets.committed(groupId);
        if (committed.isEmpty() && hosted == null) return CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND);
        Map<TopicPartition, CommittedOffset> tombstones = new HashMap<>();
        committed.keySet().forEach(tp -> tombstones.put(tp, null));
        return offsets.write(groupId, tombstones, true);
    }

    /** What OffsetDelete answers: a group-level error, or an error per partition. */
    public record OffsetDeletion(Errors groupError, Map<TopicPartition, Errors> partitionErrors) {
    }

    /**
     * Kafka's OffsetDelete: deletes the group's committed offsets of {@code partitions} with
     * tombstones in the offsets topic, except for topics the group's members subscribe to
     * (GROUP_SUBSCRIBED_TO_TOPIC per partition). A group with members that is not a consumer group
     * keeps its offsets (NON_EMPTY_GROUP), as do unknown groups (GROUP_ID_NOT_FOUND). Partitions
     * without a committed offset succeed with nothing written; partitions that do not exist get
     * UNKNOWN_TOPIC_OR_PARTITION.
     */
    public CompletableFuture<OffsetDeletion> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(new OffsetDeletion(error, Map.of()));
        Map<TopicPartition, CommittedOffset> committed = offsets.committed(groupId);
        Hosted hosted = groups.get(groupId);
        ConsumerGroup consumers = consumerGroups.get(groupId);
        if (hosted == null && consumers == null && committed.isEmpty()) {
            return CompletableFuture.completedFuture(new OffsetDeletion(Errors.GROUP_ID_NOT_FOUND, Map.of()));
        }
        // The topics whose offsets stay; null while a consumer group's subscriptions are not known
        // yet (no protocol chosen), which protects every topic.
        Set<String> consumed = Set.of();
        if (consumers != null) {
            synchronized (consumers) {
                consumed = consumers.subscribedTopicNames();
            }
        }
        if (hosted != null) {
            synchronized (hosted) {
                Group group = hosted.group;
                if (group.state() != Group.State.EMPTY) {
                    if (!Group.CONSUMER_PROTOCOL_TYPE.equals(group.protocolType())) {
                        return CompletableFuture.completedFuture(new OffsetDeletion(Errors.NON_EMPTY_GROUP, Map.of()));
                    }
                    consumed = group.subscribedTopics().orElse(null);
                }
            }
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

    @Override
    public void close() {
        offsets.close();
        timer.shutdownNow();
        for (Hosted hosted : groups.values()) {
            synchronized (hosted) {
                hosted.group.abandon(Errors.COORDINATOR_NOT_AVAILABLE);
                settle(hosted);
            }
        }
    }
}
