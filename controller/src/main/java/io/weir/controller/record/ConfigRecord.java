package io.weir.controller.record;

/**
 * A config entry was set, or deleted when {@code value} is null.
 */
public record ConfigRecord(int version, ConfigResource.Type resourceType, String resourceName,
                           String name, String value) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public ConfigRecord(ConfigResource resource, String name, String value) {
        this(CURRENT_VERSION, resource.type(), resource.name(), name, value);
    }

    public ConfigResource resource() {
        return new ConfigResource(resourceType, resourceName);
    }
}
