package io.weir.group;

import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;

import static io.weir.group.GroupReplies.joinError;
import static io.weir.group.GroupReplies.syncError;

/**
 * One consumer group under Kafka's classic rebalance protocol (Kafka's {@code ClassicGroup}):
 * its members, generation and leader, and every decision of JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, session expiry and rebalance deadlines. Pure: no threads, sockets, clocks or
 * randomness. Time is passed in and new member ids end with an injected suffix, so a test drives
 * a group call by call. Not thread-safe; {@link GroupCoordinator} serialises calls per group.
 *
 * <p>JoinGroup and SyncGroup may have to wait (for the other members, for the leader's
 * assignment). The caller names each such request with an id; the group answers every id exactly
 * once, in the same call or a later one, through {@link #takeReplies()}. While a rebalance is
 * under way {@link #rebalanceDeadlineMs()} says when the caller must call {@link #tick}; the caller
 * also ticks the group now and then, which expires members whose session timed out.
 *
 * <pre>
 * EMPTY ──join──► PREPARING_REBALANCE  (deadline: now + group.initial.rebalance.delay.ms)
 * STABLE, COMPLETING_REBALANCE ──join, leave, expiry──► PREPARING_REBALANCE
 *                                      (deadline: now + the largest rebalance timeout; waiting
 *                                       SyncGroups get REBALANCE_IN_PROGRESS)
 * PREPARING_REBALANCE ──every member rejoined (initial delay over), or the deadline──►
 *     generation + 1, members that did not rejoin removed; then COMPLETING_REBALANCE (a leader,
 *     a protocol, every JoinGroup answered) or EMPTY when none rejoined
 * COMPLETING_REBALANCE ──the leader's SyncGroup──► STABLE (every waiting SyncGroup answered)
 * STABLE, COMPLETING_REBALANCE ──the last member leaves or expires──► EMPTY (generation + 1)
 * </pre>
 */
final class Group {
    private static final Logger log = LoggerFactory.getLogger(Group.class);
    static final int MIN_SESSION_TIMEOUT_MS = 1_000;
    static final int MAX_SESSION_TIMEOUT_MS = 30 * 60 * 1000;
    /** The first JoinGroup version whose answer can tell a static leader to skip the assignment (KIP-814). */
    private static final short FIRST_SKIP_ASSIGNMENT_VERSION = 9;
    private static final long NO_REQUEST = GroupMember.NO_REQUEST;

    enum State {
        EMPTY("Empty"), PREPARING_REBALANCE("PreparingRebalance"), COMPLETING_REBALANCE("CompletingRebalance"),
        STABLE("Stable");

        /** The name Kafka's ListGroups/DescribeGroups use. */
        final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }

    /** The protocol type of Kafka's consumers, whose member metadata is a {@link ConsumerProtocol} subscription. */
    static final String CONSUMER_PROTOCOL_TYPE = ConsumerProtocol.PROTOCOL_TYPE;

    final String groupId;
    private final long initialRebalanceDelayMs;
    private final Supplier<String> memberIdSuffix;
    private State state = State.EMPTY;
    private int generationId;
    private String protocolType;
    private String protocolName;
    private String leaderId;
    private final GroupMembers members = new GroupMembers();
    private long rebalanceDeadlineMs = Long.MAX_VALUE;
    /** A new group waits {@code group.initial.rebalance.delay.ms} for more members before completing. */
    private boolean initialDelayPending;
    private final GroupReplies replies = new GroupReplies();
    /** What the offsets topic must learn about this group since the last {@link #takeRecord()}, if anything. */
    private GroupMetadataValue pendingRecord;

    /**
     * @param initialRebalanceDelayMs Kafka's {@code group.initial.rebalance.delay.ms}
     * @param memberIdSuffix what follows {@code clientId-} in a new member id (a random UUID in
     *     production)
     */
    Group(String groupId, long initialRebalanceDelayMs, Supplier<String> memberIdSuffix) {
        this.groupId = groupId;
        this.initialRebalanceDelayMs = initialRebalanceDelayMs;
        this.memberIdSuffix = memberIdSuffix;
    }

    State state() {
        return state;
    }

    int generationId() {
        return generationId;
    }

    String protocolType() {
        return protocolType;
    }

    String protocolName() {
        return protocolName;
    }

    String leaderId() {
        return leaderId;
    }

    /**
     * The topics the members subscribe to, read from their consumer-protocol metadata for the
     * group's protocol; empty when that cannot be known (not a consumer group, no protocol chosen
     * yet, metadata that does not parse), which OffsetDelete takes as "every topic", as Kafka does.
     */
    Optional<Set<String>> subscribedTopics() {
        if (!CONSUMER_PROTOCOL_TYPE.equals(protocolType) || protocolName == null) return Optional.empty();
        return members.subscribedTopics(protocolName);
    }

    Collection<GroupMember> members() {
        return members.all();
    }

    /** When the caller must {@link #tick} the group for the rebalance under way, if one is. */
    OptionalLong rebalanceDeadlineMs() {
        return rebalanceDeadlineMs == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(rebalanceDeadlineMs);
    }

    /** The answers decided since the last call, in the order they were decided. */
    List<GroupReply> takeReplies() {
        return replies.take();
    }

    /**
     * The group's metadata as Kafka writes it to the offsets topic, when it changed since the last
     * call: a rebalance completed with the leader's assignment (Stable), or the group became Empty.
     * As in Kafka, nothing is written for the states in between: a coordinator that takes over
     * mid-rebalance starts from the last Stable or Empty generation, and the members rejoin.
     */
    Optional<GroupMetadataValue> takeRecord() {
        GroupMetadataValue out = pendingRecord;
        pendingRecord = null;
        return Optional.ofNullable(out);
    }

    private void recordMetadata() {
        pendingRecord = new GroupMetadataValue().setProtocolType(protocolType == null ? "" : protocolType)
                .setGeneration(generationId).setProtocol(protocolName).setLeader(leaderId)
                .setCurrentStateTimestamp(-1).setMembers(members.toRecords(protocolName));
    }

    /**
     * A group as the offsets topic last recorded it, on the node that has just become its
     * coordinator: Stable with its members, their subscriptions and assignments, or Empty. Every
     * member's session starts now, so members that are still alive carry on with their generation
     * (heartbeats and commits are accepted) and the others expire as usual.
     */
    static Group restore(String groupId, GroupMetadataValue value, long initialRebalanceDelayMs,
                         Supplier<String> memberIdSuffix, long nowMs) {
        Group group = new Group(groupId, initialRebalanceDelayMs, memberIdSuffix);
        group.generationId = value.generation();
        group.protocolType = value.protocolType() == null || value.protocolType().isEmpty() ? null : value.protocolType();
        group.protocolName = value.protocol();
        value.members().forEach(m -> group.members.add(GroupMember.restore(m, value.protocol(), nowMs)));
        if (group.members.isEmpty() || group.protocolName == null) {
            group.members.clear();
            group.protocolName = null;
            group.state = State.EMPTY;
        } else {
            group.leaderId = group.members.contains(value.leader()) ? value.leader() : group.members.first();
            group.state = State.STABLE;
        }
        return group;
    }

    static boolean validSessionTimeout(int sessionTimeoutMs) {
        return sessionTimeoutMs >= MIN_SESSION_TIMEOUT_MS && sessionTimeoutMs <= MAX_SESSION_TIMEOUT_MS;
    }

    // ---- JoinGroup ----

    /** A JoinGroup, answered as request {@code requestId}. */
    void join(long requestId, JoinGroupRequestData in, short version, String clientId, String clientHost, long nowMs) {
        if (!validSessionTimeout(in.sessionTimeoutMs())) {
            replies.join(requestId, joinError(Errors.INVALID_SESSION_TIMEOUT, in.memberId()));
            return;
        }
        List<JoinGroupRequestData.JoinGroupRequestProtocol> protocols = new ArrayList<>(in.protocols());
        if (!members.supports(in.protocolType(), protocols, protocolType)) {
            replies.join(requestId, joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, in.memberId()));
            return;
        }
        GroupMembers.Admission admission = members.admit(in.memberId(), in.groupInstanceId(), clientId, version,
                memberIdSuffix);
        if (admission.replacedId() != null) {
            // A static member restarted: it takes its old place, without a rebalance if it can.
            replaceStaticMember(requestId, admission.replacedId(), in, protocols, version, clientId, clientHost, nowMs);
            return;
        }
        if (admission.error() != Errors.NONE) {
            replies.join(requestId, joinError(admission.error(), admission.memberId()));
            return;
        }
        String memberId = admission.memberId();
        String instanceId = in.groupInstanceId();
        GroupMember member = members.get(memberId);
        if (member == null) {
            member = new GroupMember(memberId, instanceId, clientId, clientHost);
            members.add(member);
        }
        if (member.pendingJoin != NO_REQUEST) replies.join(member.pendingJoin, joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
        member.joined(in, version, protocols, nowMs);
        member.pendingJoin = requestId;
        if (members.size() == 1) protocolType = in.protocolType();
        if (state != State.PREPARING_REBALANCE) prepareRebalance(nowMs, "member " + memberId + " joined");
        maybeCompleteJoin(nowMs);
    }

    /**
     * A static member that joins with no member id while its instance is a member: it gets a new
     * member id and the old one is fenced (its waiting requests get FENCED_INSTANCE_ID). In a
     * Stable group whose selected protocol stays the same, it is answered at once with the current
     * generation and gets its old assignment from SyncGroup; the others notice nothing (KIP-345).
     * Otherwise it rejoins like any member, which starts a rebalance.
     */
    private void replaceStaticMember(long requestId, String oldId,
                                     JoinGroupRequestData in, List<JoinGroupRequestData.JoinGroupRequestProtocol> protocols,
                                     short version, String clientId, String clientHost, long nowMs) {
        GroupMember old = members.remove(oldId);
        if (old.pendingJoin != NO_REQUEST) replies.join(old.pendingJoin, joinError(Errors.FENCED_INSTANCE_ID, oldId));
        if (old.pendingSync != NO_REQUEST) replies.sync(old, syncError(Errors.FENCED_INSTANCE_ID));
        String memberId = clientId + "-" + memberIdSuffix.get();
        GroupMember member = new GroupMember(memberId, old.groupInstanceId, clientId, clientHost);
        member.joined(in, version, protocols, nowMs);
        member.assignment = old.assignment;
        members.add(member);
        if (oldId.equals(leaderId)) leaderId = memberId;
        log.info("Group {}: static member {} is now {} (was {})", groupId, old.groupInstanceId, memberId, oldId);
        // As Kafka: only a change of the protocol the group would select forces a rebalance. Its
        // metadata may differ (a restarted consumer owns no partitions yet).
        if (state == State.STABLE && member.supports(protocolName) && protocolName.equals(members.selectProtocol(leaderId, groupId))) {
            boolean leader = memberId.equals(leaderId);
            // From v9 the leader is told to skip the assignment (KIP-814); before, it gets no member list.
            boolean skipAssignment = leader && version >= FIRST_SKIP_ASSIGNMENT_VERSION;
            replies.join(requestId, new JoinGroupResponseData().setErrorCode(Errors.NONE.code())
                    .setGenerationId(generationId).setProtocolType(protocolType).setProtocolName(protocolName)
                    .setLeader(leaderId).setMemberId(memberId).setSkipAssignment(skipAssignment)
                    .setMembers(skipAssignment ? members.responseMembers(protocolName) : List.of()));
            recordMetadata();
            return;
        }
        member.pendingJoin = requestId;
        if (state != State.PREPARING_REBALANCE) prepareRebalance(nowMs, "static member " + old.groupInstanceId + " rejoined");
        maybeCompleteJoin(nowMs);
    }

    private void prepareRebalance(long nowMs, String reason) {
        boolean initial = state == State.EMPTY;
        for (GroupMember m : members.all()) {
            if (m.pendingSync != NO_REQUEST) replies.sync(m, syncError(Errors.REBALANCE_IN_PROGRESS));
        }
        state = State.PREPARING_REBALANCE;
        long delay = initial ? initialRebalanceDelayMs : members.maxRebalanceTimeoutMs();
        rebalanceDeadlineMs = nowMs + delay;
        initialDelayPending = initial && delay > 0;
        log.info("Group {} rebalances (generation {}): {}", groupId, generationId, reason);
    }

    private void maybeCompleteJoin(long nowMs) {
        if (state == State.PREPARING_REBALANCE && !initialDelayPending
                && members.allRejoined()) {
            completeJoin(nowMs);
        }
    }

    private void completeJoin(long nowMs) {
        initialDelayPending = false;
        rebalanceDeadlineMs = Long.MAX_VALUE;
        members.removeNotRejoined();
        generationId++;
        if (members.isEmpty()) {
            state = State.EMPTY;
            protocolName = null;
            leaderId = null;
            recordMetadata();
            return;
        }
        if (leaderId == null || !members.contains(leaderId)) leaderId = members.first();
        protocolName = members.selectProtocol(leaderId, groupId);
        state = State.COMPLETING_REBALANCE;
        for (GroupMember m : members.all()) {
            replies.join(m.pendingJoin, new JoinGroupResponseData().setErrorCode(Errors.NONE.code())
                    .setGenerationId(generationId).setProtocolType(protocolType).setProtocolName(protocolName)
                    .setLeader(leaderId).setMemberId(m.memberId)
                    .setMembers(m.memberId.equals(leaderId) ? members.responseMembers(protocolName) : List.of()));
            m.pendingJoin = NO_REQUEST;
            m.lastHeartbeatMs = nowMs;
        }
        log.info("Group {} generation {} has {} members, leader {}", groupId, generationId, members.size(), leaderId);
    }

    // ---- SyncGroup ----

    /** A SyncGroup, answered as request {@code requestId}. */
    void sync(long requestId, SyncGroupRequestData in, long nowMs) {
        GroupMember member = members.get(in.memberId());
        Errors identity = members.validate(in.memberId(), in.groupInstanceId());
        Errors error = identity != Errors.NONE ? identity
                : in.generationId() != generationId ? Errors.ILLEGAL_GENERATION
                : in.protocolType() != null && !in.protocolType().equals(protocolType)
                        || in.protocolName() != null && !in.protocolName().equals(protocolName)
                        ? Errors.INCONSISTENT_GROUP_PROTOCOL
                : Errors.NONE;
        if (error != Errors.NONE) {
            replies.sync(requestId, syncError(error));
            return;
        }
        member.lastHeartbeatMs = nowMs;
        switch (state) {
            case PREPARING_REBALANCE, EMPTY -> replies.sync(requestId, syncError(Errors.REBALANCE_IN_PROGRESS));
            case STABLE -> replies.sync(requestId, syncOk(member));
            case COMPLETING_REBALANCE -> {
                // Wait for the leader's assignment.
                if (member.pendingSync != NO_REQUEST) replies.sync(member, syncError(Errors.REBALANCE_IN_PROGRESS));
                member.pendingSync = requestId;
                if (member.memberId.equals(leaderId)) assign(in.assignments());
            }
        }
    }

    private void assign(List<SyncGroupRequestData.SyncGroupRequestAssignment> assignments) {
        Map<String, byte[]> byMember = new HashMap<>();
        assignments.forEach(a -> byMember.put(a.memberId(), a.assignment()));
        for (GroupMember m : members.all()) m.assignment = byMember.getOrDefault(m.memberId, new byte[0]);
        state = State.STABLE;
        recordMetadata();
        for (GroupMember m : members.all()) {
            if (m.pendingSync != NO_REQUEST) replies.sync(m, syncOk(m));
        }
    }

    // ---- Heartbeat, LeaveGroup, expiry, OffsetCommit ----

    Errors heartbeat(String memberId, int generationId, long nowMs) {
        return heartbeat(memberId, null, generationId, nowMs);
    }

    Errors heartbeat(String memberId, String groupInstanceId, int generationId, long nowMs) {
        Errors identity = members.validate(memberId, groupInstanceId);
        if (identity != Errors.NONE) return identity;
        GroupMember member = members.get(memberId);
        member.lastHeartbeatMs = nowMs;
        if (state == State.PREPARING_REBALANCE) return Errors.REBALANCE_IN_PROGRESS;
        if (generationId != this.generationId) return Errors.ILLEGAL_GENERATION;
        return Errors.NONE;
    }

    /** NONE when the member left, UNKNOWN_MEMBER_ID when it was not a member. */
    Errors leave(String memberId, long nowMs) {
        return leave(memberId, null, nowMs);
    }

    /**
     * A member leaves, named by its member id, or by its {@code group.instance.id} with an empty
     * member id (as Kafka's admin {@code removeMembersFromConsumerGroup} does): NONE when it left,
     * UNKNOWN_MEMBER_ID when there is no such member, FENCED_INSTANCE_ID when the instance is a
     * member under another member id.
     */
    Errors leave(String memberId, String groupInstanceId, long nowMs) {
        if (groupInstanceId != null) {
            String current = members.currentOf(groupInstanceId);
            if (current == null) return Errors.UNKNOWN_MEMBER_ID;
            if (memberId != null && !memberId.isEmpty() && !memberId.equals(current)) return Errors.FENCED_INSTANCE_ID;
            memberId = current;
        }
        return removeMember(memberId, nowMs, "member left") ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    /** Completes a rebalance whose deadline has passed, then expires members whose session timed out. */
    void tick(long nowMs) {
        if (state == State.PREPARING_REBALANCE && nowMs >= rebalanceDeadlineMs) completeJoin(nowMs);
        for (String id : members.expired(nowMs)) removeMember(id, nowMs, "session expired");
    }

    private boolean removeMember(String memberId, long nowMs, String reason) {
        GroupMember member = members.remove(memberId);
        if (member == null) return false;
        if (member.pendingJoin != NO_REQUEST) replies.join(member.pendingJoin, joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
        if (member.pendingSync != NO_REQUEST) replies.sync(member, syncError(Errors.UNKNOWN_MEMBER_ID));
        if (state == State.PREPARING_REBALANCE) {
            maybeCompleteJoin(nowMs);
        } else if (members.isEmpty()) {
            state = State.EMPTY;
            generationId++;
            leaderId = null;
            protocolName = null;
            recordMetadata();
        } else {
            prepareRebalance(nowMs, reason + ": " + memberId);
        }
        return true;
    }

    /**
     * Whether an OffsetCommit may write: from a current member of this generation outside a
     * rebalance, or, while the group is empty, from anyone (consumers using assign() commit with
     * generation -1 and no member id).
     */
    Errors checkCommit(int generationId, String memberId, long nowMs) {
        return checkCommit(generationId, memberId, null, nowMs);
    }

    Errors checkCommit(int generationId, String memberId, String groupInstanceId, long nowMs) {
        if (generationId < 0 && (memberId == null || memberId.isEmpty())) {
            return state == State.EMPTY ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
        }
        Errors identity = members.validate(memberId, groupInstanceId);
        if (identity != Errors.NONE) return identity;
        GroupMember member = members.get(memberId);
        if (generationId != this.generationId) return Errors.ILLEGAL_GENERATION;
        if (state == State.PREPARING_REBALANCE || state == State.COMPLETING_REBALANCE) return Errors.REBALANCE_IN_PROGRESS;
        member.lastHeartbeatMs = nowMs;
        return Errors.NONE;
    }

    /** Answers every waiting request with {@code error} (the coordinator moved or is closing). */
    void abandon(Errors error) {
        for (GroupMember m : members.all()) {
            if (m.pendingJoin != NO_REQUEST) replies.join(m.pendingJoin, joinError(error, m.memberId));
            m.pendingJoin = NO_REQUEST;
            if (m.pendingSync != NO_REQUEST) replies.sync(m, syncError(error));
        }
        rebalanceDeadlineMs = Long.MAX_VALUE;
    }

    private SyncGroupResponseData syncOk(GroupMember member) {
        return new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(protocolType)
                .setProtocolName(protocolName).setAssignment(member.assignment);
    }
}
