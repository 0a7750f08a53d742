package io.weir.group.consumer;

import org.apache.kafka.common.Uuid;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kafka's {@code range} assignor: per topic, the members that subscribe to it, in member id
 * order, each get a contiguous range of its partitions; the first {@code partitions % members}
 * get one more. Members with the same subscriptions get the same partition numbers of every
 * topic with the same partition count (co-partitioning, which joins rely on). Not sticky.
 */
public final class RangeAssignor implements PartitionAssignor {
    public static final String NAME = "range";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SortedMap<String, SortedSet<TopicIdPartition>> assign(Map<String, Set<Uuid>> subscriptions,
                                                                Map<Uuid, Integer> partitionCounts,
                                                                Map<String, ? extends Set<TopicIdPartition>> current) {
        SortedMap<String, SortedSet<TopicIdPartition>> out = new TreeMap<>();
        SortedMap<Uuid, List<String>> subscribers = new TreeMap<>();
        new TreeMap<>(subscriptions).forEach((member, topics) -> {
            out.put(member, new TreeSet<>());
            for (Uuid topic : topics) {
                if (partitionCounts.containsKey(topic)) subscribers.computeIfAbsent(topic, t -> new ArrayList<>()).add(member);
            }
        });
        subscribers.forEach((topic, members) -> {
            int partitions = partitionCounts.get(topic);
            int each = partitions / members.size();
            int extra = partitions % members.size();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                int count = each + (i < extra ? 1 : 0);
                for (int p = next; p < next + count; p++) out.get(members.get(i)).add(new TopicIdPartition(topic, p));
                next += count;
            }
        });
        return out;
    }
}
