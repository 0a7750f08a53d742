package io.weir.controller.topic;

import io.weir.controller.ApiStatus;
import java.util.Map;
import java.util.UUID;

/** Outcome of one topic of a CreateTopics request; topicId is null on error. */
public record CreateTopicResult(String name, UUID topicId, ApiStatus status, int numPartitions,
                                int replicationFactor, Map<String, String> configs) {
    static CreateTopicResult error(String name, ApiStatus status) {
        return new CreateTopicResult(name, null, status, -1, -1, Map.of());
    }
}
