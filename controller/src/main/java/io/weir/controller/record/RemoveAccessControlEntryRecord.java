package io.weir.controller.record;

import java.util.Objects;
import java.util.UUID;

/** The ACL {@code id} was deleted (Kafka's RemoveAccessControlEntryRecord). */
public record RemoveAccessControlEntryRecord(int version, UUID id) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public RemoveAccessControlEntryRecord {
        Objects.requireNonNull(id, "id");
    }

    public RemoveAccessControlEntryRecord(UUID id) {
        this(CURRENT_VERSION, id);
    }
}
