package io.weir.group.consumer;

import org.apache.kafka.common.Uuid;

import java.util.Comparator;

/** A partition named by its topic's id, as KIP-848's assignments name them; ordered by topic id, then partition. */
public record TopicIdPartition(Uuid topicId, int partition) implements Comparable<TopicIdPartition> {
    private static final Comparator<TopicIdPartition> ORDER =
            Comparator.comparing(TopicIdPartition::topicId).thenComparingInt(TopicIdPartition::partition);

    @Override
    public int compareTo(TopicIdPartition other) {
        return ORDER.compare(this, other);
    }
}
