package io.weir.replication;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The order of partitions in a follower's fetch request. The leader fills a response partition by
 * partition up to {@code replica.fetch.response.max.bytes}, so partitions late in the request get
 * nothing while early ones have megabytes to send: a replica being added by a reassignment, copying
 * the whole log, would starve the in-sync partitions behind it, whose high watermark (and acks=all
 * writes) waits for this follower. So in-sync replicas come first and replicas being added last,
 * and within each group the partition served longest ago comes first (Kafka's follower moves a
 * partition to the end of its {@code PartitionStates} once it got data). Used by the fetcher's
 * thread only.
 */
final class FetchOrder {
    private final LinkedHashSet<TopicPartition> order = new LinkedHashSet<>();

    /** {@code fetchable} in the order to request them. */
    List<ReplicaFetcher.Assignment> arrange(Map<TopicPartition, ReplicaFetcher.Assignment> fetchable) {
        order.retainAll(fetchable.keySet());
        order.addAll(fetchable.keySet());
        List<ReplicaFetcher.Assignment> inSync = new ArrayList<>(fetchable.size());
        List<ReplicaFetcher.Assignment> moving = new ArrayList<>();
        for (TopicPartition tp : order) {
            ReplicaFetcher.Assignment a = fetchable.get(tp);
            (a.throttled() ? moving : inSync).add(a);
        }
        inSync.addAll(moving);
        return inSync;
    }

    /** {@code tp} got records: it goes to the end of its group. */
    void served(TopicPartition tp) {
        if (order.remove(tp)) order.add(tp);
    }
}
