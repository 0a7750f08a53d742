package io.weir.group;

import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;

import java.nio.ByteBuffer;
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
import java.util.function.Supplier;

/**
 * The members of one classic group, in join order, with the static members' instance ids
 * (KIP-345) and the member ids handed out with MEMBER_ID_REQUIRED (KIP-394), and the decisions
 * that only depend on them: who a request names, which protocols fit, what the leader is sent.
 * Pure and not thread-safe, like {@link Group}, which owns it.
 */
final class GroupMembers {
    /** The first JoinGroup version that gets MEMBER_ID_REQUIRED for an empty member id (KIP-394). */
    private static final short FIRST_MEMBER_ID_REQUIRED_VERSION = 4;

    private final Map<String, GroupMember> members = new LinkedHashMap<>();
    /** Static members (KIP-345): {@code group.instance.id} → the member id that instance has now. */
    private final Map<String, String> staticMembers = new HashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet (KIP-394). */
    private final Set<String> pendingMemberIds = new HashSet<>();

    GroupMember get(String memberId) {
        return members.get(memberId);
    }

    boolean contains(String memberId) {
        return members.containsKey(memberId);
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    int size() {
        return members.size();
    }

    /** The member that joined first. */
    String first() {
        return members.keySet().iterator().next();
    }

    Collection<GroupMember> all() {
        return Collections.unmodifiableCollection(members.values());
    }

    /** The member id {@code groupInstanceId} has now, or null when the instance is not a member. */
    String currentOf(String groupInstanceId) {
        return staticMembers.get(groupInstanceId);
    }

    void add(GroupMember member) {
        members.put(member.memberId, member);
        if (member.groupInstanceId != null) staticMembers.put(member.groupInstanceId, member.memberId);
    }

    /** Removes the member (and its instance's entry, if that still names it); null when it was not one. */
    GroupMember remove(String memberId) {
        GroupMember member = members.remove(memberId);
        if (member != null && member.groupInstanceId != null) staticMembers.remove(member.groupInstanceId, memberId);
        return member;
    }

    void clear() {
        members.clear();
        staticMembers.clear();
    }

    /** Remembers a member id handed out before the member joins with it. */
    private void handOut(String memberId) {
        pendingMemberIds.add(memberId);
    }

    /** Whether {@code memberId} was handed out and not used yet; it is used now. */
    private boolean claim(String memberId) {
        return pendingMemberIds.remove(memberId);
    }

    /** Whether every member has a JoinGroup waiting. */
    boolean allRejoined() {
        return members.values().stream().allMatch(m -> m.pendingJoin != GroupMember.NO_REQUEST);
    }

    /** Removes the members with no JoinGroup waiting: they did not rejoin in time. */
    void removeNotRejoined() {
        members.values().removeIf(m -> m.pendingJoin == GroupMember.NO_REQUEST);
        staticMembers.values().retainAll(members.keySet());
    }

    /** The members with no JoinGroup waiting whose session timed out at {@code nowMs}. */
    List<String> expired(long nowMs) {
        List<String> expired = new ArrayList<>();
        for (GroupMember m : members.values()) {
            // A member waiting in JoinGroup is alive; the rebalance deadline bounds it.
            if (m.pendingJoin == GroupMember.NO_REQUEST && nowMs - m.lastHeartbeatMs > m.sessionTimeoutMs) {
                expired.add(m.memberId);
            }
        }
        return expired;
    }

    /**
     * Who a JoinGroup is from: the restarted static member that takes the place of
     * {@code replacedId} (no member id, its instance a member), or {@code memberId}, which a new
     * member gets as {@code clientId-<suffix>}, unless {@code error} refuses it.
     */
    record Admission(Errors error, String memberId, String replacedId) {
    }

    /**
     * Admits a JoinGroup's sender. A new dynamic member gets MEMBER_ID_REQUIRED from v4 with its
     * new id (KIP-394: the client retries with it, so a lost answer leaves no ghost member); an id
     * that is neither a member nor handed out gets UNKNOWN_MEMBER_ID; a static member that names
     * another member id than its instance's, or rejoins without naming its instance, gets
     * FENCED_INSTANCE_ID.
     */
    Admission admit(String memberId, String instanceId, String clientId, short version, Supplier<String> suffix) {
        if (instanceId != null) {
            String current = staticMembers.get(instanceId);
            if (memberId.isEmpty() && current != null) return new Admission(Errors.NONE, null, current);
            Errors error = memberId.isEmpty() ? Errors.NONE
                    : current == null ? Errors.UNKNOWN_MEMBER_ID
                    : !current.equals(memberId) ? Errors.FENCED_INSTANCE_ID
                    : Errors.NONE;
            if (error != Errors.NONE) return new Admission(error, memberId, null);
            // A new static member joins at once: its instance id names it, so there is no ghost to avoid (KIP-394).
            if (memberId.isEmpty()) handOut(memberId = clientId + "-" + suffix.get());
        }
        if (memberId.isEmpty()) {
            memberId = clientId + "-" + suffix.get();
            if (version >= FIRST_MEMBER_ID_REQUIRED_VERSION) {
                handOut(memberId);
                return new Admission(Errors.MEMBER_ID_REQUIRED, memberId, null);
            }
        } else if (!contains(memberId) && !claim(memberId)) {
            return new Admission(Errors.UNKNOWN_MEMBER_ID, memberId, null);
        } else if (instanceId == null && contains(memberId) && get(memberId).groupInstanceId != null) {
            // Kafka: a static member that rejoins must name its instance.
            return new Admission(Errors.FENCED_INSTANCE_ID, memberId, null);
        }
        return new Admission(Errors.NONE, memberId, null);
    }

    /**
     * Kafka's {@code validateMember}: a static member must use the member id its instance has now
     * (else FENCED_INSTANCE_ID: another process took the instance over); a dynamic one must be a
     * member (else UNKNOWN_MEMBER_ID).
     */
    Errors validate(String memberId, String groupInstanceId) {
        if (groupInstanceId != null) {
            String current = staticMembers.get(groupInstanceId);
            if (current == null) return Errors.UNKNOWN_MEMBER_ID;
            return current.equals(memberId) ? Errors.NONE : Errors.FENCED_INSTANCE_ID;
        }
        return members.containsKey(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    /** Whether {@code protocols} of type {@code type} can join a group of {@code protocolType}: same type, a protocol in common. */
    boolean supports(String type, List<JoinGroupRequestData.JoinGroupRequestProtocol> protocols, String protocolType) {
        if (members.isEmpty()) return type != null && !type.isEmpty() && !protocols.isEmpty();
        if (!type.equals(protocolType)) return false;
        return protocols.stream().anyMatch(p -> members.values().stream().allMatch(m -> m.supports(p.name())));
    }

    /** The first protocol, in the leader's preference order, that every member supports. */
    String selectProtocol(String leaderId, String groupId) {
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : members.get(leaderId).protocols) {
            if (members.values().stream().allMatch(m -> m.supports(p.name()))) return p.name();
        }
        throw new IllegalStateException("members of " + groupId + " share no protocol");
    }

    int maxRebalanceTimeoutMs() {
        return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
    }

    /** What the leader's JoinGroup answer lists: every member with its metadata for {@code protocolName}. */
    List<JoinGroupResponseData.JoinGroupResponseMember> responseMembers(String protocolName) {
        List<JoinGroupResponseData.JoinGroupResponseMember> out = new ArrayList<>();
        for (GroupMember m : members.values()) {
            out.add(new JoinGroupResponseData.JoinGroupResponseMember().setMemberId(m.memberId)
                    .setGroupInstanceId(m.groupInstanceId).setMetadata(m.metadata(protocolName)));
        }
        return out;
    }

    List<GroupMetadataValue.MemberMetadata> toRecords(String protocolName) {
        List<GroupMetadataValue.MemberMetadata> out = new ArrayList<>();
        for (GroupMember m : members.values()) out.add(m.toRecord(protocolName));
        return out;
    }

    /**
     * The topics the members subscribe to, read from their consumer-protocol metadata for
     * {@code protocolName}; empty when a member's metadata does not parse.
     */
    Optional<Set<String>> subscribedTopics(String protocolName) {
        Set<String> topics = new HashSet<>();
        try {
            for (GroupMember m : members.values()) {
                topics.addAll(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(m.metadata(protocolName))).topics());
            }
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
        return Optional.of(topics);
    }
}
