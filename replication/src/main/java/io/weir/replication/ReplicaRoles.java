package io.weir.replication;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;

/**
 * What one node does with each partition of a metadata image: lead it, follow it from its
 * leader, or only host it (a replica whose partition has no leader now); partitions it is no
 * replica of are absent. Also which local logs a metadata change deletes. Pure: the
 * reconciliation in {@link ReplicaManager} carries the plan out (logs, fetchers, leader state).
 */
record ReplicaRoles(Map<TopicPartition, Role> roles) {

    enum Kind { LEAD, FOLLOW, HOST }

    /** This node's part in one partition. */
    record Role(Kind kind, TopicImage topic, PartitionRegistration registration) {
    }

    /** A partition of a topic that left the image: its log goes, unless a newer topic of that name owns it. */
    record Removed(TopicPartition partition, UUID topicId) {
    }

    static ReplicaRoles of(int nodeId, MetadataImage image) {
        Map<TopicPartition, Role> roles = new LinkedHashMap<>();
        for (TopicImage topic : image.topicsById().values()) {
            for (Map.Entry<Integer, PartitionRegistration> e : topic.partitions().entrySet()) {
                PartitionRegistration reg = e.getValue();
                if (!reg.replicas().contains(nodeId)) {
                    continue;
                }
                Kind kind = reg.leader() == nodeId ? Kind.LEAD : reg.leader() >= 0 ? Kind.FOLLOW : Kind.HOST;
                roles.put(new TopicPartition(topic.name(), e.getKey()), new Role(kind, topic, reg));
            }
        }
        return new ReplicaRoles(Map.copyOf(roles));
    }

    /** The partitions of topics in {@code previous} that are gone from {@code next}. */
    static List<Removed> removedByDeletion(MetadataImage previous, MetadataImage next) {
        List<Removed> removed = new ArrayList<>();
        for (TopicImage topic : previous.topicsById().values()) {
            if (next.topicsById().containsKey(topic.id())) {
                continue;
            }
            for (int partition : topic.partitions().keySet()) {
                removed.add(new Removed(new TopicPartition(topic.name(), partition), topic.id()));
            }
        }
        return removed;
    }

    boolean hosts(TopicPartition tp) {
        return roles.containsKey(tp);
    }
}
