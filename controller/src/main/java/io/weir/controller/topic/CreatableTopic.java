package io.weir.controller.topic;

import java.util.List;
import java.util.Map;

/**
 * One topic of a CreateTopics request.
 *
 * @param numPartitions -1 for {@code num.partitions}; ignored when assignments are given
 * @param replicationFactor -1 for {@code default.replication.factor}
 * @param assignments explicit replicas per partition index (0..n-1), or empty
 */
public record CreatableTopic(String name, int numPartitions, short replicationFactor,
                             Map<Integer, List<Integer>> assignments, Map<String, String> configs) {
    public CreatableTopic {
        assignments = assignments == null ? Map.of() : Map.copyOf(assignments);
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    public static CreatableTopic of(String name, int numPartitions, int replicationFactor) {
        return new CreatableTopic(name, numPartitions, (short) replicationFactor, Map.of(), Map.of());
    }
}
