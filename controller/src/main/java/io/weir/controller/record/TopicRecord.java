package io.weir.controller.record;

import java.util.UUID;

/** A topic was created; its partitions follow as {@link PartitionRecord}s. */
public record TopicRecord(int version, String name, UUID topicId) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public TopicRecord(String name, UUID topicId) {
        this(CURRENT_VERSION, name, topicId);
    }
}
