package io.weir.group.consumer;

import io.weir.group.consumer.ConsumerGroup.Member;
import io.weir.group.consumer.ConsumerGroup.MemberState;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMemberKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMemberValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMetadataKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMetadataValue;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@link ConsumerGroup}'s state as Kafka's {@code ConsumerGroup*} records and back: it owns
 * which record each part of the group becomes (group epoch, each member's metadata, the target
 * assignment and its epoch, each member's current assignment) and how a member is rebuilt from
 * its records when a coordinator takes the group over. The records' format and their replay into
 * a {@link ConsumerGroupRecords.Loaded} are {@link ConsumerGroupRecords}'; the group decides when.
 */
final class ConsumerGroupPersistence {
    private ConsumerGroupPersistence() {
    }

    /** The group's records as they stand now, by key: what a coordinator taking over needs. */
    static Map<ByteBuffer, byte[]> records(String groupId, int groupEpoch, Collection<Member> members,
                                           int targetAssignmentEpoch, Map<String, SortedSet<TopicIdPartition>> target) {
        Map<ByteBuffer, byte[]> out = new LinkedHashMap<>();
        ConsumerGroupRecords.put(out, new ConsumerGroupMetadataKey().setGroupId(groupId),
                new ConsumerGroupMetadataValue().setEpoch(groupEpoch));
        for (Member m : members) {
            ConsumerGroupRecords.put(out, new ConsumerGroupMemberMetadataKey().setGroupId(groupId).setMemberId(m.memberId),
                    new ConsumerGroupMemberMetadataValue().setInstanceId(m.instanceId).setRackId(m.rackId)
                            .setClientId(m.clientId == null ? "" : m.clientId)
                            .setClientHost(m.clientHost == null ? "" : m.clientHost)
                            .setSubscribedTopicNames(m.subscribedTopicNames).setSubscribedTopicRegex(m.subscribedTopicRegex)
                            .setRebalanceTimeoutMs(m.rebalanceTimeoutMs).setServerAssignor(m.serverAssignor));
        }
        ConsumerGroupRecords.put(out, new ConsumerGroupTargetAssignmentMetadataKey().setGroupId(groupId),
                new ConsumerGroupTargetAssignmentMetadataValue().setAssignmentEpoch(targetAssignmentEpoch));
        for (Map.Entry<String, SortedSet<TopicIdPartition>> t : new TreeMap<>(target).entrySet()) {
            ConsumerGroupRecords.put(out, new ConsumerGroupTargetAssignmentMemberKey().setGroupId(groupId)
                            .setMemberId(t.getKey()),
                    new ConsumerGroupTargetAssignmentMemberValue().setTopicPartitions(ConsumerGroupRecords.target(t.getValue())));
        }
        for (Member m : members) {
            ConsumerGroupRecords.put(out, new ConsumerGroupCurrentMemberAssignmentKey().setGroupId(groupId)
                            .setMemberId(m.memberId),
                    new ConsumerGroupCurrentMemberAssignmentValue().setMemberEpoch(m.memberEpoch)
                            .setPreviousMemberEpoch(m.previousMemberEpoch).setState((byte) m.state.ordinal())
                            .setAssignedPartitions(ConsumerGroupRecords.current(m.assigned))
                            .setPartitionsPendingRevocation(ConsumerGroupRecords.current(m.pendingRevocation)));
        }
        return out;
    }

    /** A member as its records left it; its session starts at {@code nowMs}. */
    static Member restoredMember(String memberId, ConsumerGroupMemberMetadataValue value,
                                 ConsumerGroupCurrentMemberAssignmentValue current, long nowMs) {
        Member m = new Member(memberId);
        m.instanceId = value.instanceId();
        m.rackId = value.rackId();
        m.clientId = value.clientId();
        m.clientHost = value.clientHost();
        m.subscribedTopicNames = List.copyOf(new TreeSet<>(value.subscribedTopicNames()));
        m.subscribedTopicRegex = value.subscribedTopicRegex() == null || value.subscribedTopicRegex().isEmpty()
                ? null : value.subscribedTopicRegex();
        m.rebalanceTimeoutMs = value.rebalanceTimeoutMs();
        m.serverAssignor = value.serverAssignor();
        if (current != null) {
            m.memberEpoch = current.memberEpoch();
            m.previousMemberEpoch = current.previousMemberEpoch();
            byte state = current.state();
            m.state = state >= 0 && state < MemberState.values().length ? MemberState.values()[state] : MemberState.STABLE;
            m.assigned = ConsumerGroupRecords.fromCurrent(current.assignedPartitions());
            m.pendingRevocation = ConsumerGroupRecords.fromCurrent(current.partitionsPendingRevocation());
            if (m.state == MemberState.UNREVOKED_PARTITIONS) {
                m.revocationDeadlineMs = nowMs + Math.max(m.rebalanceTimeoutMs, 1);
            }
        }
        m.lastHeartbeatMs = nowMs;
        return m;
    }
}
