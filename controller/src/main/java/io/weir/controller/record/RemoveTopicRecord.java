package io.weir.controller.record;

import java.util.UUID;

/** A topic, its partitions and its configs were deleted. */
public record RemoveTopicRecord(int version, UUID topicId) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public RemoveTopicRecord(UUID topicId) {
        this(CURRENT_VERSION, topicId);
    }
}
