package io.weir.controller.acl;

import java.util.Objects;

/**
 * One access control entry on one resource pattern, as Kafka's {@code AclBinding}: who
 * ({@code principal}, e.g. {@code User:alice} or {@code User:*}) from where ({@code host}, an
 * address or {@code *}) may or may not ({@code permission}) do {@code operation} on the
 * resources the pattern names. The enum names and codes are Kafka's, so the broker maps them to
 * kafka-clients' types by name.
 */
public record AclBinding(ResourceType resourceType, String resourceName, PatternType patternType,
                         String principal, String host, Operation operation, Permission permission) {
    /** The only name a CLUSTER resource has. */
    public static final String CLUSTER_NAME = "kafka-cluster";
    /** A LITERAL resource name, principal name or host that matches every one. */
    public static final String WILDCARD = "*";

    public AclBinding {
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(resourceName, "resourceName");
        Objects.requireNonNull(patternType, "patternType");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(permission, "permission");
    }

    /** The resource types an ACL may be stored for (Kafka's DELEGATION_TOKEN and USER are not supported). */
    public enum ResourceType { TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID }

    /** How the resource name matches: exactly (or every name for {@code *}), or as a prefix. */
    public enum PatternType { LITERAL, PREFIXED }

    /** Kafka's ACL operations, without the filter-only ANY. */
    public enum Operation {
        ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS,
        IDEMPOTENT_WRITE, CREATE_TOKENS, DESCRIBE_TOKENS, TWO_PHASE_COMMIT
    }

    public enum Permission { ALLOW, DENY }
}
