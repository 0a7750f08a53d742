package io.weir.group.consumer;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One consumer group under KIP-848's consumer protocol (Kafka's {@code ConsumerGroup} with its
 * {@code CurrentAssignmentBuilder}): members, the group epoch, the target assignment and its
 * epoch, and every decision of ConsumerGroupHeartbeat. Pure: time is passed in, topics are looked
 * up through a function, new member ids come from an injected supplier. Not thread-safe.
 *
 * <p>The group epoch goes up whenever what the assignment depends on changes: a member joins or
 * leaves, a subscription changes, a subscribed topic appears or gains partitions. When a member
 * heartbeats and the target assignment is older than the group epoch, the assignor computes a new
 * one at the group epoch. Each member then moves towards its target one heartbeat at a time,
 * revoking before it is given anything: first it is told to keep only what stays
 * (UNREVOKED_PARTITIONS, its epoch unchanged) until a heartbeat shows it no longer owns the rest;
 * then it takes the target epoch and the partitions no other member still owns or is revoking;
 * if some are not released yet it waits for them (UNRELEASED_PARTITIONS), else it is STABLE. So a
 * partition is never owned by two members at once.
 */
public final class ConsumerGroup {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroup.class);
    /** The member epoch with which a member leaves the group. */
    public static final int LEAVE_EPOCH = -1;
    /** The member epoch with which a static member leaves for a while, keeping its place (KIP-848). */
    public static final int LEAVE_STATIC_EPOCH = -2;

    /** Kafka's names, as ListGroups and ConsumerGroupDescribe report them. */
    public enum State {
        EMPTY("Empty"), ASSIGNING("Assigning"), RECONCILING("Reconciling"), STABLE("Stable");

        public final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }

    /** Where a member is on its way to its target assignment. */
    public enum MemberState { STABLE, UNREVOKED_PARTITIONS, UNRELEASED_PARTITIONS }

    /** A subscribed topic as the metadata has it. */
    public record Topic(Uuid id, String name, int partitions) {
    }

    /** A member as the group knows it; read for ConsumerGroupDescribe. */
    public static final class Member {
        public final String memberId;
        // Package-private: MemberReconciliation and ConsumerGroupPersistence read and change them.
        String instanceId;
        String rackId;
        String clientId;
        String clientHost;
        List<String> subscribedTopicNames = List.of();
        /** KIP-848's SubscribedTopicRegex (Java regex syntax), matched against whole topic names; null for none. */
        String subscribedTopicRegex;
        String serverAssignor;
        int rebalanceTimeoutMs;
        int memberEpoch;
        int previousMemberEpoch;
        MemberState state = MemberState.STABLE;
        SortedSet<TopicIdPartition> assigned = new TreeSet<>();
        SortedSet<TopicIdPartition> pendingRevocation = new TreeSet<>();
        /** What the member last said it owns; null until it says. */
        Set<TopicIdPartition> owned;
        long lastHeartbeatMs;
        long revocationDeadlineMs = Long.MAX_VALUE;
        /** Left with {@link #LEAVE_STATIC_EPOCH}: keeps its place until its session expires or it is replaced. */
        boolean away;
        /** The epoch and assignment last sent, so a heartbeat carries the assignment only when it changed. */
        int sentEpoch = -1;
        Set<TopicIdPartition> sentAssignment;

        Member(String memberId) {
            this.memberId = memberId;
        }

        public String instanceId() {
            return instanceId;
        }

        public String rackId() {
            return rackId;
        }

        public String clientId() {
            return clientId;
        }

        public String clientHost() {
            return clientHost;
        }

        public List<String> subscribedTopicNames() {
            return subscribedTopicNames;
        }

        public String subscribedTopicRegex() {
            return subscribedTopicRegex;
        }

        public int memberEpoch() {
            return memberEpoch;
        }

        public MemberState state() {
            return state;
        }

        public SortedSet<TopicIdPartition> assigned() {
            return Collections.unmodifiableSortedSet(assigned);
        }

        public SortedSet<TopicIdPartition> pendingRevocation() {
            return Collections.unmodifiableSortedSet(pendingRevocation);
        }
    }

    public final String groupId;
    private final Map<String, PartitionAssignor> assignors;
    private final String defaultAssignor;
    private final int sessionTimeoutMs;
    private final int heartbeatIntervalMs;
    private final Supplier<String> newMemberId;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    private int groupEpoch;
    private int targetAssignmentEpoch;
    private Map<String, SortedSet<TopicIdPartition>> target = new HashMap<>();
    /** The subscribed topics as they were at the last group epoch: a change bumps the epoch. */
    private Map<String, Topic> subscribedTopics = Map.of();
    private String assignorUsed;
    private final TopicRegexes topicRegexes = new TopicRegexes();

    /**
     * @param assignors the server-side assignors by name; {@code defaultAssignor} is used unless
     *     members ask for another
     * @param sessionTimeoutMs Kafka's {@code group.consumer.session.timeout.ms}
     * @param heartbeatIntervalMs Kafka's {@code group.consumer.heartbeat.interval.ms}
     */
    public ConsumerGroup(String groupId, List<PartitionAssignor> assignors, String defaultAssignor, int sessionTimeoutMs,
                         int heartbeatIntervalMs, Supplier<String> newMemberId) {
        this.groupId = groupId;
        this.assignors = new LinkedHashMap<>();
        assignors.forEach(a -> this.assignors.put(a.name(), a));
        if (!this.assignors.containsKey(defaultAssignor)) throw new IllegalArgumentException("no assignor " + defaultAssignor);
        this.defaultAssignor = defaultAssignor;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.newMemberId = newMemberId;
    }

    public int groupEpoch() {
        return groupEpoch;
    }

    public int targetAssignmentEpoch() {
        return targetAssignmentEpoch;
    }

    /** The assignor of the last target assignment (or the one the next would use). */
    public String assignorName() {
        return assignorUsed != null ? assignorUsed : chooseAssignor();
    }

    public Collection<Member> members() {
        return Collections.unmodifiableCollection(members.values());
    }

    public SortedSet<TopicIdPartition> targetOf(String memberId) {
        return Collections.unmodifiableSortedSet(target.getOrDefault(memberId, new TreeSet<>()));
    }

    public boolean isEmpty() {
        return members.isEmpty();
    }

    public State state() {
        if (members.isEmpty()) return State.EMPTY;
        if (targetAssignmentEpoch < groupEpoch) return State.ASSIGNING;
        for (Member m : members.values()) {
            if (m.state != MemberState.STABLE || m.memberEpoch != targetAssignmentEpoch) return State.RECONCILING;
        }
        return State.STABLE;
    }

    /** The topics the members subscribe to, by name or by regex as last resolved (OffsetDelete keeps their offsets). */
    public Set<String> subscribedTopicNames() {
        Set<String> out = new HashSet<>();
        members.values().forEach(m -> out.addAll(topicsOf(m)));
        return out;
    }

    /** A member's topics: those it names and those its regex matched when the group last resolved it. */
    public SortedSet<String> topicsOf(Member m) {
        SortedSet<String> out = new TreeSet<>(m.subscribedTopicNames);
        if (m.subscribedTopicRegex != null) out.addAll(topicRegexes.matchesOf(m.subscribedTopicRegex));
        return out;
    }

    // ---- ConsumerGroupHeartbeat ----

    /**
     * One ConsumerGroupHeartbeat.
     *
     * @param topics the metadata's topic of a name, if it exists
     */
    public ConsumerGroupHeartbeatResponseData heartbeat(ConsumerGroupHeartbeatRequestData in, String clientId,
                                                       String clientHost, long nowMs, Function<String, Optional<Topic>> topics) {
        return heartbeat(in, clientId, clientHost, nowMs, topics, Set::of);
    }

    /**
     * One ConsumerGroupHeartbeat.
     *
     * @param topics the metadata's topic of a name, if it exists
     * @param topicNames every topic name in the metadata, which members' regexes are matched against
     *     (the same set object while the metadata does not change, so the matches are kept)
     */
    public ConsumerGroupHeartbeatResponseData heartbeat(ConsumerGroupHeartbeatRequestData in, String clientId,
                                                       String clientHost, long nowMs, Function<String, Optional<Topic>> topics,
                                                       Supplier<Set<String>> topicNames) {
        Errors invalid = HeartbeatRequests.validate(in, assignors.keySet());
        if (invalid != Errors.NONE) return error(invalid, HeartbeatRequests.invalidMessage(in, assignors.keySet()));
        int epoch = in.memberEpoch();
        if (epoch == LEAVE_EPOCH || epoch == LEAVE_STATIC_EPOCH) return leave(in, nowMs);

        Member member;
        // Whatever changed in this heartbeat, the group epoch goes up once.
        List<String> changes = new ArrayList<>();
        if (epoch == 0) {
            Object joined = join(in, nowMs, changes);
            if (joined instanceof Errors e) return error(e, null);
            member = (Member) joined;
        } else {
            member = members.get(in.memberId());
            if (member == null) return error(Errors.UNKNOWN_MEMBER_ID, "member " + in.memberId() + " is not in group " + groupId);
            if (in.instanceId() != null && !member.memberId.equals(staticMembers.get(in.instanceId()))) {
                return error(Errors.FENCED_INSTANCE_ID, null);
            }
            if (epoch != member.memberEpoch && !(epoch == member.previousMemberEpoch && in.topicPartitions() != null
                    && member.assigned.containsAll(HeartbeatRequests.ownedOf(in)))) {
                // Kafka's rule: a member one epoch behind that owns nothing it should not may carry on (a lost answer).
                return error(Errors.FENCED_MEMBER_EPOCH, "member epoch " + epoch + " is not " + member.memberEpoch);
            }
        }
        member.lastHeartbeatMs = nowMs;
        member.clientId = clientId;
        member.clientHost = clientHost;
        if (in.rackId() != null) member.rackId = in.rackId();
        if (in.rebalanceTimeoutMs() > 0) member.rebalanceTimeoutMs = in.rebalanceTimeoutMs();
        if (in.serverAssignor() != null && !in.serverAssignor().equals(member.serverAssignor)) {
            member.serverAssignor = in.serverAssignor();
            changes.add("member " + member.memberId + " asks for assignor " + in.serverAssignor());
        }
        if (in.subscribedTopicNames() != null) {
            List<String> subscription = new ArrayList<>(new TreeSet<>(in.subscribedTopicNames()));
            if (!subscription.equals(member.subscribedTopicNames)) {
                member.subscribedTopicNames = List.copyOf(subscription);
                changes.add("member " + member.memberId + " subscribes to " + subscription);
            }
        }
        if (in.subscribedTopicRegex() != null) {
            // An empty regex removes the member's regex, as Kafka's client sends it.
            String regex = in.subscribedTopicRegex().isEmpty() ? null : in.subscribedTopicRegex();
            if (!Objects.equals(regex, member.subscribedTopicRegex)) {
                member.subscribedTopicRegex = regex;
                changes.add("member " + member.memberId + " subscribes to regex " + regex);
            }
        }
        if (in.topicPartitions() != null) member.owned = HeartbeatRequests.ownedOf(in);
        resolveRegexes(topicNames);
        if (refreshSubscribedTopics(topics)) changes.add("subscribed topics changed: " + subscribedTopics.keySet());
        if (!changes.isEmpty()) bumpGroupEpoch(String.join("; ", changes));
        if (targetAssignmentEpoch < groupEpoch) computeTargetAssignment(topics);
        MemberReconciliation.reconcile(member, members.values(), target, targetAssignmentEpoch, nowMs);

        ConsumerGroupHeartbeatResponseData out = new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code())
                .setMemberId(member.memberId).setMemberEpoch(member.memberEpoch).setHeartbeatIntervalMs(heartbeatIntervalMs);
        if (epoch == 0 || member.sentEpoch != member.memberEpoch || !member.assigned.equals(member.sentAssignment)
                || in.topicPartitions() != null && !member.owned.equals(member.assigned)) {
            out.setAssignment(HeartbeatRequests.assignment(member.assigned));
            member.sentEpoch = member.memberEpoch;
            member.sentAssignment = new TreeSet<>(member.assigned);
        }
        return out;
    }

    /** A member with epoch 0: new, a static member restarting, or a member rejoining after it was fenced. */
    private Object join(ConsumerGroupHeartbeatRequestData in, long nowMs, List<String> changes) {
        String instanceId = in.instanceId();
        Member previous = instanceId == null ? null : members.get(staticMembers.get(instanceId));
        if (previous != null && !previous.memberId.equals(in.memberId())) {
            // Another process holds the instance unless it left for a while (epoch -2).
            if (!previous.away) return Errors.UNRELEASED_INSTANCE_ID;
            String memberId = in.memberId() == null || in.memberId().isEmpty() ? newMemberId.get() : in.memberId();
            Member member = new Member(memberId);
            member.instanceId = instanceId;
            member.subscribedTopicNames = previous.subscribedTopicNames;
            member.subscribedTopicRegex = previous.subscribedTopicRegex;
            member.serverAssignor = previous.serverAssignor;
            member.rebalanceTimeoutMs = previous.rebalanceTimeoutMs;
            member.memberEpoch = previous.memberEpoch;
            member.previousMemberEpoch = previous.previousMemberEpoch;
            member.state = previous.state;
            member.assigned = previous.assigned;
            member.pendingRevocation = previous.pendingRevocation;
            members.remove(previous.memberId);
            members.put(memberId, member);
            staticMembers.put(instanceId, memberId);
            SortedSet<TopicIdPartition> kept = target.remove(previous.memberId);
            if (kept != null) target.put(memberId, kept);
            log.info("Consumer group {}: static member {} is back as {} (was {})", groupId, instanceId, memberId,
                    previous.memberId);
            return member;
        }
        String memberId = in.memberId() == null || in.memberId().isEmpty() ? newMemberId.get() : in.memberId();
        Member member = members.get(memberId);
        if (member != null) {
            // It rejoins with nothing: what it had is free for the others.
            member.assigned = new TreeSet<>();
            member.pendingRevocation = new TreeSet<>();
            member.memberEpoch = 0;
            member.state = MemberState.STABLE;
            member.away = false;
            changes.add("member " + memberId + " rejoined");
            return member;
        }
        member = new Member(memberId);
        member.instanceId = instanceId;
        member.lastHeartbeatMs = nowMs;
        members.put(memberId, member);
        if (instanceId != null) staticMembers.put(instanceId, memberId);
        changes.add("member " + memberId + " joined");
        return member;
    }

    private ConsumerGroupHeartbeatResponseData leave(ConsumerGroupHeartbeatRequestData in, long nowMs) {
        Member member = members.get(in.memberId());
        if (member == null && in.instanceId() != null) member = members.get(staticMembers.get(in.instanceId()));
        if (member == null) return error(Errors.UNKNOWN_MEMBER_ID, "member " + in.memberId() + " is not in group " + groupId);
        if (in.instanceId() != null && !member.memberId.equals(in.memberId())) return error(Errors.FENCED_INSTANCE_ID, null);
        if (in.memberEpoch() == LEAVE_STATIC_EPOCH && member.instanceId != null) {
            member.away = true;
            member.lastHeartbeatMs = nowMs;
        } else {
            remove(member, "member left");
        }
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code()).setMemberId(member.memberId)
                .setMemberEpoch(in.memberEpoch()).setHeartbeatIntervalMs(0);
    }

    /** Removes a member (left, expired, fenced): its partitions are free for the others at the next epoch. */
    private void remove(Member member, String reason) {
        members.remove(member.memberId);
        if (member.instanceId != null) staticMembers.remove(member.instanceId, member.memberId);
        target.remove(member.memberId);
        bumpGroupEpoch(reason + ": " + member.memberId);
    }

    /** Expires members whose session timed out and fences those that did not revoke in time. */
    public void tick(long nowMs) {
        for (Member m : new ArrayList<>(members.values())) {
            if (nowMs - m.lastHeartbeatMs > sessionTimeoutMs) {
                remove(m, "session expired");
            } else if (m.state == MemberState.UNREVOKED_PARTITIONS && nowMs > m.revocationDeadlineMs) {
                remove(m, "did not revoke its partitions within its rebalance timeout");
            }
        }
    }

    /** Whether an OffsetCommit from this member at this epoch may write (KIP-848's rules). */
    public Errors checkCommit(String memberId, int memberEpoch) {
        if ((memberId == null || memberId.isEmpty()) && memberEpoch < 0) {
            return members.isEmpty() ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
        }
        Member member = members.get(memberId);
        if (member == null) return Errors.UNKNOWN_MEMBER_ID;
        // A member may still commit what it owned in its previous epoch while it revokes.
        if (memberEpoch != member.memberEpoch && memberEpoch != member.previousMemberEpoch) return Errors.STALE_MEMBER_EPOCH;
        return Errors.NONE;
    }

    private void bumpGroupEpoch(String reason) {
        groupEpoch++;
        log.info("Consumer group {} epoch {}: {}", groupId, groupEpoch, reason);
    }

    /** Matches the members' regexes against the topic names (see {@link TopicRegexes}). */
    private void resolveRegexes(Supplier<Set<String>> topicNames) {
        Set<String> regexes = new TreeSet<>();
        members.values().forEach(m -> {
            if (m.subscribedTopicRegex != null) regexes.add(m.subscribedTopicRegex);
        });
        topicRegexes.resolve(regexes, topicNames);
    }

    /** Whether the subscribed topics (which exist, and their partition counts) changed since the last look. */
    private boolean refreshSubscribedTopics(Function<String, Optional<Topic>> topics) {
        Map<String, Topic> now = new TreeMap<>();
        for (String name : subscribedTopicNames()) topics.apply(name).ifPresent(t -> now.put(name, t));
        if (now.equals(subscribedTopics)) return false;
        subscribedTopics = Map.copyOf(now);
        return true;
    }

    private String chooseAssignor() {
        return TargetAssignment.chooseAssignor(members.values(), defaultAssignor);
    }

    private void computeTargetAssignment(Function<String, Optional<Topic>> topics) {
        assignorUsed = chooseAssignor();
        SortedMap<String, SortedSet<TopicIdPartition>> next = TargetAssignment.compute(assignors.get(assignorUsed),
                members.values(), this::topicsOf, subscribedTopics, target);
        target = new HashMap<>(next);
        targetAssignmentEpoch = groupEpoch;
        log.info("Consumer group {}: target assignment at epoch {} by {}", groupId, targetAssignmentEpoch, assignorUsed);
    }

    // ---- persistence (Kafka's ConsumerGroup* records, see ConsumerGroupPersistence) ----

    /** The group's records as they stand now, by key: what a coordinator taking over needs. */
    public Map<java.nio.ByteBuffer, byte[]> records() {
        return ConsumerGroupPersistence.records(groupId, groupEpoch, members.values(), targetAssignmentEpoch, target);
    }

    /**
     * Takes over a group from its records, as a coordinator does when it becomes the leader of the
     * group's offsets partition: members keep their epochs, states and assignments, the target
     * assignment its epoch, and each member's session starts now. The subscribed topics are looked
     * up now, so an unchanged topic list starts no new group epoch.
     */
    public void restore(ConsumerGroupRecords.Loaded loaded, long nowMs, Function<String, Optional<Topic>> topics,
                        Supplier<Set<String>> topicNames) {
        if (!members.isEmpty() || groupEpoch != 0) throw new IllegalStateException("group " + groupId + " is not new");
        groupEpoch = Math.max(0, loaded.groupEpoch);
        targetAssignmentEpoch = loaded.targetEpoch;
        loaded.members.forEach((memberId, value) -> {
            Member m = ConsumerGroupPersistence.restoredMember(memberId, value, loaded.current.get(memberId), nowMs);
            members.put(memberId, m);
            if (m.instanceId != null) staticMembers.put(m.instanceId, memberId);
        });
        loaded.targets.forEach((memberId, value) -> {
            if (members.containsKey(memberId)) target.put(memberId, ConsumerGroupRecords.fromTarget(value.topicPartitions()));
        });
        resolveRegexes(topicNames);
        refreshSubscribedTopics(topics);
        log.info("Consumer group {} taken over at epoch {} (target epoch {}, {} members)", groupId, groupEpoch,
                targetAssignmentEpoch, members.size());
    }

    public static ConsumerGroupHeartbeatResponseData error(Errors error, String message) {
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(error.code())
                .setErrorMessage(message != null ? message : error.message()).setMemberEpoch(-1);
    }
}
