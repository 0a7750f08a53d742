package io.weir.group;

import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One consumer group under the classic rebalance protocol (Kafka's GroupMetadata). Every
 * method is called with the group's monitor held by {@link GroupCoordinator}.
 */
final class Group {
    enum State {
        EMPTY("Empty"), PREPARING_REBALANCE("PreparingRebalance"), COMPLETING_REBALANCE("CompletingRebalance"),
        STABLE("Stable");

        /** The name Kafka's ListGroups/DescribeGroups use. */
        final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }

    static final class Member {
        final String memberId;
        final String groupInstanceId;
        final String clientId;
        final String clientHost;
        int sessionTimeoutMs;
        int rebalanceTimeoutMs;
        String protocolType;
        List<JoinGroupRequestData.JoinGroupRequestProtocol> protocols = List.of();
        CompletableFuture<JoinGroupResponseData> join;
        CompletableFuture<SyncGroupResponseData> sync;
        byte[] assignment = new byte[0];
        long lastHeartbeatNanos;

        Member(String memberId, String groupInstanceId, String clientId, String clientHost) {
            this.memberId = memberId;
            this.groupInstanceId = groupInstanceId;
            this.clientId = clientId;
            this.clientHost = clientHost;
        }

        byte[] metadata(String protocol) {
            for (JoinGroupRequestData.JoinGroupRequestProtocol p : protocols) {
                if (p.name().equals(protocol)) return p.metadata();
            }
            return new byte[0];
        }
    }

    final String groupId;
    State state = State.EMPTY;
    int generationId;
    String protocolType;
    String protocolName;
    String leaderId;
    final Map<String, Member> members = new LinkedHashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet (KIP-394). */
    final Set<String> pendingMemberIds = new HashSet<>();
    ScheduledFuture<?> rebalanceDeadline;
    /** A new group waits {@code group.initial.rebalance.delay.ms} for more members before completing. */
    boolean initialDelayPending;

    Group(String groupId) {
        this.groupId = groupId;
    }

    /** Whether {@code protocols} of type {@code type} can join: same type, a protocol in common. */
    boolean supports(String type, List<JoinGroupRequestData.JoinGroupRequestProtocol> protocols) {
        if (members.isEmpty()) return type != null && !type.isEmpty() && !protocols.isEmpty();
        if (!type.equals(protocolType)) return false;
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : protocols) {
            if (members.values().stream().allMatch(m -> m.protocols.stream().anyMatch(q -> q.name().equals(p.name())))) {
                return true;
            }
        }
        return false;
    }

    /** The first protocol, in the leader's preference order, that every member supports. */
    String selectProtocol() {
        Member leader = members.get(leaderId);
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : leader.protocols) {
            if (members.values().stream().allMatch(m -> m.protocols.stream().anyMatch(q -> q.name().equals(p.name())))) {
                return p.name();
            }
        }
        throw new IllegalStateException("members of " + groupId + " share no protocol");
    }

    boolean allJoined() {
        return members.values().stream().allMatch(m -> m.join != null);
    }

    int maxRebalanceTimeoutMs() {
        return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
    }

    /** Answers pending SyncGroups (e.g. with REBALANCE_IN_PROGRESS when a new rebalance starts). */
    void failPendingSyncs(Errors error) {
        for (Member m : members.values()) {
            if (m.sync != null) {
                m.sync.complete(new SyncGroupResponseData().setErrorCode(error.code()));
                m.sync = null;
            }
        }
    }

    List<JoinGroupResponseData.JoinGroupResponseMember> memberList() {
        List<JoinGroupResponseData.JoinGroupResponseMember> out = new ArrayList<>();
        for (Member m : members.values()) {
            out.add(new JoinGroupResponseData.JoinGroupResponseMember().setMemberId(m.memberId)
                    .setGroupInstanceId(m.groupInstanceId).setMetadata(m.metadata(protocolName)));
        }
        return out;
    }
}
