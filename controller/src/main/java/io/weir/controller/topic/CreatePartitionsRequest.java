package io.weir.controller.topic;

import java.util.List;

/**
 * Grow a topic to {@code totalCount} partitions.
 *
 * @param assignments replicas for each new partition in order, or empty to place them
 */
public record CreatePartitionsRequest(String topic, int totalCount, List<List<Integer>> assignments) {
    public CreatePartitionsRequest {
        assignments = assignments == null ? List.of() : List.copyOf(assignments);
    }
}
