package io.weir.group.consumer;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * The parts of ConsumerGroupHeartbeat that need no group state: whether a request is well formed
 * (and, if not, Kafka's error code and a message saying what is wrong), the partitions a member
 * says it owns, and a member's assignment as the response carries it. {@link ConsumerGroup}
 * makes every decision; this class only checks and translates.
 */
final class HeartbeatRequests {
    private HeartbeatRequests() {
    }

    /** NONE, or the error a malformed request gets; {@code assignors} are the server-side assignor names. */
    static Errors validate(ConsumerGroupHeartbeatRequestData in, Set<String> assignors) {
        if (in.memberEpoch() == 0) {
            if (in.subscribedTopicNames() == null && in.subscribedTopicRegex() == null) return Errors.INVALID_REQUEST;
            if (in.rebalanceTimeoutMs() == -1) return Errors.INVALID_REQUEST;
        } else if (in.memberId() == null || in.memberId().isEmpty()) {
            return Errors.INVALID_REQUEST;
        }
        if (in.memberEpoch() < ConsumerGroup.LEAVE_STATIC_EPOCH) return Errors.INVALID_REQUEST;
        if (in.subscribedTopicRegex() != null && !in.subscribedTopicRegex().isEmpty()
                && TopicRegexes.compile(in.subscribedTopicRegex()) == null) {
            return Errors.INVALID_REGULAR_EXPRESSION;
        }
        if (in.serverAssignor() != null && !assignors.contains(in.serverAssignor())) return Errors.UNSUPPORTED_ASSIGNOR;
        return Errors.NONE;
    }

    /** The error message of a request {@link #validate} refused. */
    static String invalidMessage(ConsumerGroupHeartbeatRequestData in, Set<String> assignors) {
        if (in.subscribedTopicRegex() != null && !in.subscribedTopicRegex().isEmpty()
                && TopicRegexes.compile(in.subscribedTopicRegex()) == null) {
            return "SubscribedTopicRegex " + in.subscribedTopicRegex() + " is not a valid (Java) regular expression";
        }
        if (in.serverAssignor() != null && !assignors.contains(in.serverAssignor())) {
            return "ServerAssignor " + in.serverAssignor() + " is not one of " + assignors;
        }
        if (in.memberEpoch() == 0) return "MemberEpoch 0 needs SubscribedTopicNames and RebalanceTimeoutMs";
        return "MemberId is required";
    }

    static Set<TopicIdPartition> ownedOf(ConsumerGroupHeartbeatRequestData in) {
        Set<TopicIdPartition> out = new HashSet<>();
        for (ConsumerGroupHeartbeatRequestData.TopicPartitions t : in.topicPartitions()) {
            for (int p : t.partitions()) out.add(new TopicIdPartition(t.topicId(), p));
        }
        return out;
    }

    static ConsumerGroupHeartbeatResponseData.Assignment assignment(SortedSet<TopicIdPartition> partitions) {
        Map<Uuid, List<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topicId(), t -> new ArrayList<>()).add(tp.partition()));
        List<ConsumerGroupHeartbeatResponseData.TopicPartitions> topics = new ArrayList<>();
        byTopic.forEach((id, ps) -> topics.add(new ConsumerGroupHeartbeatResponseData.TopicPartitions()
                .setTopicId(id).setPartitions(ps)));
        return new ConsumerGroupHeartbeatResponseData.Assignment().setTopicPartitions(topics);
    }
}
