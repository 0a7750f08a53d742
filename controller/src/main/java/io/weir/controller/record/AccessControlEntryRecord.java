package io.weir.controller.record;

import io.weir.controller.acl.AclBinding;
import java.util.Objects;
import java.util.UUID;

/** An ACL was created (Kafka's AccessControlEntryRecord); {@code id} names it until it is removed. */
public record AccessControlEntryRecord(int version, UUID id, AclBinding acl) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public AccessControlEntryRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(acl, "acl");
    }

    public AccessControlEntryRecord(UUID id, AclBinding acl) {
        this(CURRENT_VERSION, id, acl);
    }
}
