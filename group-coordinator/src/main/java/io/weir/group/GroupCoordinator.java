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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Consumer groups under Kafka's classic rebalance protocol: JoinGroup/SyncGroup/Heartbeat/
 * LeaveGroup and committed offsets.
 *
 * <p>As in Kafka, a group's coordinator is the leader of its partition of the internal topic
 * {@value OffsetsTopic#NAME}, where its committed offsets are stored and replicated
 * ({@link OffsetsTopic}). Membership is soft state of the coordinator: when leadership of the
 * partition moves, members are told NOT_COORDINATOR, find the new coordinator and rejoin, and
 * their committed offsets are there.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    private static final int MIN_SESSION_TIMEOUT_MS = 1_000;
    private static final int MAX_SESSION_TIMEOUT_MS = 30 * 60 * 1000;
    private static final long EXPIRY_CHECK_MS = 250;

    /** A committed offset as a consumer stored it. */
    public record CommittedOffset(long offset, int leaderEpoch, String metadata) {
    }

    private final Supplier<MetadataImage> metadata;
    private final String listener;
    private final long initialRebalanceDelayMs;
    private final OffsetsTopic offsets;
    private final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weir-group-coordinator");
        t.setDaemon(true);
        return t;
    });

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
        this.offsets = new OffsetsTopic(metadata, nodeId, replicas);
        timer.scheduleWithFixedDelay(this::expireSessions, EXPIRY_CHECK_MS, EXPIRY_CHECK_MS, TimeUnit.MILLISECONDS);
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
        int partitionCount = next.topic(OffsetsTopic.NAME).map(TopicImage::partitionCount).orElse(0);
        offsets.onMetadataChange(next, lost -> {
            for (Group group : groups.values()) {
                if (partitionCount > 0 && OffsetsTopic.partitionFor(group.groupId, partitionCount) != lost) continue;
                synchronized (group) {
                    for (Group.Member m : group.members.values()) {
                        if (m.join != null) m.join.complete(joinError(Errors.NOT_COORDINATOR, m.memberId));
                        if (m.sync != null) m.sync.complete(syncError(Errors.NOT_COORDINATOR));
                    }
                    if (group.rebalanceDeadline != null) group.rebalanceDeadline.cancel(false);
                    groups.remove(group.groupId, group);
                }
            }
        });
    }

    // ---- JoinGroup ----

    public CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData in, short version, String clientId,
                                                         String clientHost) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return CompletableFuture.completedFuture(joinError(error, in.memberId()));
        if (in.sessionTimeoutMs() < MIN_SESSION_TIMEOUT_MS || in.sessionTimeoutMs() > MAX_SESSION_TIMEOUT_MS) {
            return CompletableFuture.completedFuture(joinError(Errors.INVALID_SESSION_TIMEOUT, in.memberId()));
        }
        Group group = groups.computeIfAbsent(in.groupId(), Group::new);
        synchronized (group) {
            List<JoinGroupRequestData.JoinGroupRequestProtocol> protocols = new ArrayList<>(in.protocols());
            if (!group.supports(in.protocolType(), protocols)) {
                return CompletableFuture.completedFuture(joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, in.memberId()));
            }
            String memberId = in.memberId();
            if (memberId.isEmpty()) {
                memberId = clientId + "-" + UUID.randomUUID();
                if (version >= 4) {
                    // KIP-394: the client retries with this id, so a lost answer leaves no ghost member.
                    group.pendingMemberIds.add(memberId);
                    return CompletableFuture.completedFuture(joinError(Errors.MEMBER_ID_REQUIRED, memberId));
                }
            } else if (!group.members.containsKey(memberId) && !group.pendingMemberIds.remove(memberId)) {
                return CompletableFuture.completedFuture(joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
            }
            Group.Member member = group.members.get(memberId);
            if (member == null) {
                member = new Group.Member(memberId, in.groupInstanceId(), clientId, clientHost);
                group.members.put(memberId, member);
            }
            if (member.join != null) member.join.complete(joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
            member.sessionTimeoutMs = in.sessionTimeoutMs();
            member.rebalanceTimeoutMs = version == 0 ? in.sessionTimeoutMs() : in.rebalanceTimeoutMs();
            member.protocolType = in.protocolType();
            member.protocols = protocols;
            member.lastHeartbeatNanos = System.nanoTime();
            member.join = new CompletableFuture<>();
            if (group.members.size() == 1) group.protocolType = in.protocolType();
            CompletableFuture<JoinGroupResponseData> answer = member.join;
            if (group.state != Group.State.PREPARING_REBALANCE) prepareRebalance(group, "member " + memberId + " joined");
            maybeCompleteJoin(group);
            return answer;
        }
    }

    private void prepareRebalance(Group group, String reason) {
        boolean initial = group.state == Group.State.EMPTY;
        group.failPendingSyncs(Errors.REBALANCE_IN_PROGRESS);
        group.state = Group.State.PREPARING_REBALANCE;
        long delay = initial ? initialRebalanceDelayMs : group.maxRebalanceTimeoutMs();
        if (group.rebalanceDeadline != null) group.rebalanceDeadline.cancel(false);
        group.rebalanceDeadline = timer.schedule(() -> {
            synchronized (group) {
                group.rebalanceDeadline = null;
                if (group.state == Group.State.PREPARING_REBALANCE) completeJoin(group);
            }
        }, delay, TimeUnit.MILLISECONDS);
        group.initialDelayPending = initial && delay > 0;
        log.info("Group {} rebalances (generation {}): {}", group.groupId, group.generationId, reason);
    }

    private void maybeCompleteJoin(Group group) {
        if (group.state == Group.State.PREPARING_REBALANCE && !group.initialDelayPending && group.allJoined()) {
            if (group.rebalanceDeadline != null) group.rebalanceDeadline.cancel(false);
            group.rebalanceDeadline = null;
            completeJoin(group);
        }
    }

    private void completeJoin(Group group) {
        group.initialDelayPending = false;
        group.members.values().removeIf(m -> m.join == null); // did not rejoin in time
        group.generationId++;
        if (group.members.isEmpty()) {
            group.state = Group.State.EMPTY;
            group.protocolName = null;
            group.leaderId = null;
            return;
        }
        if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        group.protocolName = group.selectProtocol();
        group.state = Group.State.COMPLETING_REBALANCE;
        long now = System.nanoTime();
        for (Group.Member m : group.members.values()) {
            JoinGroupResponseData response = new JoinGroupResponseData().setErrorCode(Errors.NONE.code())
                    .setGenerationId(group.generationId).setProtocolType(group.protocolType)
                    .setProtocolName(group.protocolName).setLeader(group.leaderId).setMemberId(m.memberId)
                    .setMembers(m.memberId.equals(group.leaderId) ? group.memberList() : List.of());
            m.join.complete(response);
            m.join = null;
            m.lastHeartbeatNanos = now;
        }
        log.info("Group {} generation {} has {} members, leader {}", group.groupId, group.generationId,
                group.members.size(), group.leaderId);
    }

    private static JoinGroupResponseData joinError(Errors error, String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1).setMemberId(memberId)
                .setLeader("").setProtocolName(null);
    }

    // ---- SyncGroup ----

    public CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData in) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return CompletableFuture.completedFuture(syncError(error));
        Group group = groups.get(in.groupId());
        if (group == null) return CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID));
        synchronized (group) {
            Group.Member member = group.members.get(in.memberId());
            if (member == null) return CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID));
            if (in.generationId() != group.generationId) {
                return CompletableFuture.completedFuture(syncError(Errors.ILLEGAL_GENERATION));
            }
            if (in.protocolType() != null && !in.protocolType().equals(group.protocolType)
                    || in.protocolName() != null && !in.protocolName().equals(group.protocolName)) {
                return CompletableFuture.completedFuture(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
            }
            member.lastHeartbeatNanos = System.nanoTime();
            switch (group.state) {
                case PREPARING_REBALANCE, EMPTY -> {
                    return CompletableFuture.completedFuture(syncError(Errors.REBALANCE_IN_PROGRESS));
                }
                case STABLE -> {
                    return CompletableFuture.completedFuture(syncOk(group, member));
                }
                default -> {
                    // COMPLETING_REBALANCE: wait for the leader's assignment.
                    if (member.sync != null) member.sync.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                    member.sync = new CompletableFuture<>();
                    CompletableFuture<SyncGroupResponseData> answer = member.sync;
                    if (member.memberId.equals(group.leaderId)) {
                        Map<String, byte[]> assignments = new HashMap<>();
                        in.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
                        for (Group.Member m : group.members.values()) {
                            m.assignment = assignments.getOrDefault(m.memberId, new byte[0]);
                        }
                        group.state = Group.State.STABLE;
                        for (Group.Member m : group.members.values()) {
                            if (m.sync != null) {
                                m.sync.complete(syncOk(group, m));
                                m.sync = null;
                            }
                        }
                    }
                    return answer;
                }
            }
        }
    }

    private static SyncGroupResponseData syncOk(Group group, Group.Member member) {
        return new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setAssignment(member.assignment);
    }

    private static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
    }

    // ---- Heartbeat and LeaveGroup ----

    public Errors heartbeat(HeartbeatRequestData in) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return error;
        Group group = groups.get(in.groupId());
        if (group == null) return Errors.UNKNOWN_MEMBER_ID;
        synchronized (group) {
            Group.Member member = group.members.get(in.memberId());
            if (member == null) return Errors.UNKNOWN_MEMBER_ID;
            member.lastHeartbeatNanos = System.nanoTime();
            if (group.state == Group.State.PREPARING_REBALANCE) return Errors.REBALANCE_IN_PROGRESS;
            if (in.generationId() != group.generationId) return Errors.ILLEGAL_GENERATION;
            return Errors.NONE;
        }
    }

    /** Removes the members; returns the error per member id (NONE when it left). */
    public Map<String, Errors> leave(String groupId, List<LeaveGroupRequestData.MemberIdentity> leaving) {
        Map<String, Errors> out = new java.util.LinkedHashMap<>();
        Errors error = checkCoordinator(groupId);
        Group group = error == Errors.NONE ? groups.get(groupId) : null;
        for (LeaveGroupRequestData.MemberIdentity m : leaving) {
            if (error != Errors.NONE) {
                out.put(m.memberId(), error);
                continue;
            }
            if (group == null) {
                out.put(m.memberId(), Errors.UNKNOWN_MEMBER_ID);
                continue;
            }
            synchronized (group) {
                out.put(m.memberId(), removeMember(group, m.memberId(), "member left") ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID);
            }
        }
        return out;
    }

    private boolean removeMember(Group group, String memberId, String reason) {
        Group.Member member = group.members.remove(memberId);
        if (member == null) return false;
        if (member.join != null) member.join.complete(joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
        if (member.sync != null) member.sync.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
        if (group.state == Group.State.PREPARING_REBALANCE) {
            maybeCompleteJoin(group);
        } else if (group.members.isEmpty()) {
            group.state = Group.State.EMPTY;
            group.generationId++;
            group.leaderId = null;
            group.protocolName = null;
        } else {
            prepareRebalance(group, reason + ": " + memberId);
        }
        return true;
    }

    private void expireSessions() {
        long now = System.nanoTime();
        for (Group group : groups.values()) {
            synchronized (group) {
                List<String> expired = new ArrayList<>();
                for (Group.Member m : group.members.values()) {
                    // A member waiting in JoinGroup is alive; the rebalance deadline bounds it.
                    if (m.join == null && now - m.lastHeartbeatNanos > TimeUnit.MILLISECONDS.toNanos(m.sessionTimeoutMs)) {
                        expired.add(m.memberId);
                    }
                }
                for (String id : expired) removeMember(group, id, "session expired");
            }
        }
    }

    // ---- offsets ----

    /**
     * Commits offsets for a current member of the group's generation, or, for a group with no
     * members, for anyone (consumers using assign() commit with generation -1).
     */
    public CompletableFuture<Errors> commit(String groupId, int generationId, String memberId,
                                            Map<TopicPartition, CommittedOffset> changes) {
        Errors error = checkCommit(groupId, generationId, memberId);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
        return offsets.write(groupId, changes);
    }

    private Errors checkCommit(String groupId, int generationId, String memberId) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return error;
        Group group = groups.get(groupId);
        if (group == null) return generationId < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION;
        synchronized (group) {
            if (generationId < 0 && (memberId == null || memberId.isEmpty())) {
                return group.state == Group.State.EMPTY ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
            }
            Group.Member member = group.members.get(memberId);
            if (member == null) return Errors.UNKNOWN_MEMBER_ID;
            if (generationId != group.generationId) return Errors.ILLEGAL_GENERATION;
            if (group.state == Group.State.PREPARING_REBALANCE || group.state == Group.State.COMPLETING_REBALANCE) {
                return Errors.REBALANCE_IN_PROGRESS;
            }
            member.lastHeartbeatNanos = System.nanoTime();
            return Errors.NONE;
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
        for (Group group : groups.values()) {
            if (checkCoordinator(group.groupId) != Errors.NONE) continue;
            synchronized (group) {
                out.put(group.groupId, new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId)
                        .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                        .setGroupState(group.state.kafkaName).setGroupType("classic"));
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
        Group group = groups.get(groupId);
        if (group == null) {
            if (!offsets.committed(groupId).isEmpty()) return out.setErrorCode(Errors.NONE.code()).setGroupState("Empty");
            return out.setErrorCode((unknownIsError ? Errors.GROUP_ID_NOT_FOUND : Errors.NONE).code());
        }
        synchronized (group) {
            out.setErrorCode(Errors.NONE.code()).setGroupState(group.state.kafkaName)
                    .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                    .setProtocolData(group.protocolName == null ? "" : group.protocolName);
            for (Group.Member m : group.members.values()) {
                out.members().add(new DescribeGroupsResponseData.DescribedGroupMember().setMemberId(m.memberId)
                        .setGroupInstanceId(m.groupInstanceId).setClientId(m.clientId).setClientHost(m.clientHost)
                        .setMemberMetadata(group.protocolName == null ? new byte[0] : m.metadata(group.protocolName))
                        .setMemberAssignment(group.state == Group.State.STABLE ? m.assignment : new byte[0]));
            }
        }
        return out;
    }

    /** Deletes an empty group and its committed offsets (tombstones in the offsets topic). */
    public CompletableFuture<Errors> delete(String groupId) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
        Group group = groups.get(groupId);
        if (group != null) {
            synchronized (group) {
                if (group.state != Group.State.EMPTY) return CompletableFuture.completedFuture(Errors.NON_EMPTY_GROUP);
                groups.remove(groupId, group);
            }
        }
        Map<TopicPartition, CommittedOffset> committed = offsets.committed(groupId);
        if (committed.isEmpty()) {
            return CompletableFuture.completedFuture(group != null ? Errors.NONE : Errors.GROUP_ID_NOT_FOUND);
        }
        Map<TopicPartition, CommittedOffset> tombstones = new HashMap<>();
        committed.keySet().forEach(tp -> tombstones.put(tp, null));
        return offsets.write(groupId, tombstones);
    }

    @Override
    public void close() {
        offsets.close();
        timer.shutdownNow();
        for (Group group : groups.values()) {
            synchronized (group) {
                for (Group.Member m : group.members.values()) {
                    if (m.join != null) m.join.complete(joinError(Errors.COORDINATOR_NOT_AVAILABLE, m.memberId));
                    if (m.sync != null) m.sync.complete(syncError(Errors.COORDINATOR_NOT_AVAILABLE));
                }
            }
        }
    }
}
