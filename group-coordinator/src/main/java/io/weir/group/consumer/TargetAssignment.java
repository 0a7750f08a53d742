package io.weir.group.consumer;

import io.weir.group.consumer.ConsumerGroup.Member;
import io.weir.group.consumer.ConsumerGroup.Topic;
import org.apache.kafka.common.Uuid;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What a {@link ConsumerGroup}'s new target assignment is computed from (the part of Kafka's
 * {@code TargetAssignmentBuilder} before the assignor runs): which server-side assignor the
 * members choose, and each member's subscription as the ids of its topics that exist, with their
 * partition counts. The group keeps the result and its epoch. Pure.
 */
final class TargetAssignment {
    private TargetAssignment() {
    }

    /** As Kafka: the assignor most members ask for, else the default. */
    static String chooseAssignor(Collection<Member> members, String defaultAssignor) {
        Map<String, Integer> votes = new TreeMap<>();
        members.forEach(m -> {
            if (m.serverAssignor != null) votes.merge(m.serverAssignor, 1, Integer::sum);
        });
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(defaultAssignor);
    }

    /**
     * Runs {@code assignor} over the members' topics ({@code topicsOf}) that are among
     * {@code subscribedTopics}, starting from the {@code current} target.
     */
    static SortedMap<String, SortedSet<TopicIdPartition>> compute(PartitionAssignor assignor, Collection<Member> members,
                                                               Function<Member, SortedSet<String>> topicsOf,
                                                               Map<String, Topic> subscribedTopics,
                                                               Map<String, SortedSet<TopicIdPartition>> current) {
        Map<String, Set<Uuid>> subscriptions = new HashMap<>();
        Map<Uuid, Integer> partitionCounts = new HashMap<>();
        for (Member m : members) {
            Set<Uuid> ids = new HashSet<>();
            for (String name : topicsOf.apply(m)) {
                Topic t = subscribedTopics.get(name);
                if (t == null) continue;
                ids.add(t.id());
                partitionCounts.put(t.id(), t.partitions());
            }
            subscriptions.put(m.memberId, ids);
        }
        return assignor.assign(subscriptions, partitionCounts, current);
    }
}
