package io.weir.group;

import io.weir.replication.ReplicaManager;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.image.BrokerRegistration;
import org.apache.kafka.common.TopicPartition;
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

    /** A committed offset as a consumer stored it. */
    public record CommittedOffset(long offset, int leaderEpoch, String metadata) {
    }

    private final Supplier<MetadataImage> metadata;
    private final String listener;
    private final long initialRebalanceDelayMs;
    private final OffsetsTopic offsets;
    private final LongSupplier clock = () -> System.nanoTime() / 1_000_000;
    private final ConcurrentHashMap<String, Hosted> groups = new ConcurrentHashMap<>();
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
        if (error != Errors.NONE) return CompletableFuture.completedFuture(Group.joinError(error, in.memberId()));
        if (!Group.validSessionTimeout(in.sessionTimeoutMs())) {
            // Refused before the group is looked up, so a bad request leaves no empty group behind.
            return CompletableFuture.completedFuture(Group.joinError(Errors.INVALID_SESSION_TIMEOUT, in.memberId()));
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
        if (error != Errors.NONE) return CompletableFuture.completedFuture(Group.syncError(error));
        Hosted hosted = groups.get(in.groupId());
        if (hosted == null) return CompletableFuture.completedFuture(Group.syncError(Errors.UNKNOWN_MEMBER_ID));
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
                        answer.complete(Group.joinError(error, join.response().memberId()));
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
                        answer.complete(Group.syncError(error));
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

    // ---- offsets ----

    /**
     * Commits offsets for a current member of the group's generation, or, for a group with no
     * members, for anyone (consumers using assign() commit with generation -1).
     */
    public CompletableFuture<Errors> commit(String groupId, int generationId, String memberId, String groupInstanceId,
                                            Map<TopicPartition, CommittedOffset> changes) {
        Errors error = checkCommit(groupId, generationId, memberId, groupInstanceId);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
        return offsets.write(groupId, changes);
    }

    private Errors checkCommit(String groupId, int generationId, String memberId, String groupInstanceId) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return error;
        Hosted hosted = groups.get(groupId);
        // No group here: only a commit outside any generation (assign() consumers) is accepted.
        if (hosted == null) return generationId < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION;
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
            for (Group.Member m : group.members()) {
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
        if (hosted == null && committed.isEmpty()) {
            return CompletableFuture.completedFuture(new OffsetDeletion(Errors.GROUP_ID_NOT_FOUND, Map.of()));
        }
        // The topics whose offsets stay; null while a consumer group's subscriptions are not known
        // yet (no protocol chosen), which protects every topic.
        Set<String> consumed = Set.of();
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
