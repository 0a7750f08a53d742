package io.weir.group;

import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;

import java.util.List;

/**
 * A member of a classic group as {@link Group} knows it. Only {@link Group} (and its
 * {@link GroupMembers}) change it; {@link ClassicGroups} reads it for DescribeGroups.
 */
final class GroupMember {
    /** No JoinGroup or SyncGroup of the member is waiting. */
    static final long NO_REQUEST = -1;

    final String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    List<JoinGroupRequestData.JoinGroupRequestProtocol> protocols = List.of();
    long pendingJoin = NO_REQUEST;
    long pendingSync = NO_REQUEST;
    byte[] assignment = new byte[0];
    long lastHeartbeatMs;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
    }

    byte[] assignment() {
        return assignment;
    }

    byte[] metadata(String protocol) {
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : protocols) {
            if (p.name().equals(protocol)) return p.metadata();
        }
        return new byte[0];
    }

    boolean supports(String protocol) {
        return protocols.stream().anyMatch(p -> p.name().equals(protocol));
    }

    /** Takes what a JoinGroup says about the member; v0 has no rebalance timeout, so the session timeout stands in. */
    void joined(JoinGroupRequestData in, short version, List<JoinGroupRequestData.JoinGroupRequestProtocol> protocols,
                long nowMs) {
        sessionTimeoutMs = in.sessionTimeoutMs();
        rebalanceTimeoutMs = version == 0 ? in.sessionTimeoutMs() : in.rebalanceTimeoutMs();
        this.protocols = protocols;
        lastHeartbeatMs = nowMs;
    }

    /** The member as Kafka records it in the group's metadata. */
    GroupMetadataValue.MemberMetadata toRecord(String protocolName) {
        return new GroupMetadataValue.MemberMetadata().setMemberId(memberId).setGroupInstanceId(groupInstanceId)
                .setClientId(clientId).setClientHost(clientHost).setRebalanceTimeout(rebalanceTimeoutMs)
                .setSessionTimeout(sessionTimeoutMs).setSubscription(metadata(protocolName))
                .setAssignment(assignment);
    }

    /** A recorded member on a new coordinator: its session starts now. */
    static GroupMember restore(GroupMetadataValue.MemberMetadata m, String protocolName, long nowMs) {
        GroupMember member = new GroupMember(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost());
        member.sessionTimeoutMs = m.sessionTimeout();
        member.rebalanceTimeoutMs = m.rebalanceTimeout() > 0 ? m.rebalanceTimeout() : m.sessionTimeout();
        member.protocols = List.of(new JoinGroupRequestData.JoinGroupRequestProtocol()
                .setName(protocolName).setMetadata(m.subscription()));
        member.assignment = m.assignment();
        member.lastHeartbeatMs = nowMs;
        return member;
    }
}
