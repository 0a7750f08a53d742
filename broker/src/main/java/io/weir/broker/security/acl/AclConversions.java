package io.weir.broker.security.acl;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclFilter;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.Optional;

/**
 * Between kafka-clients' ACL types (the wire) and the controller's {@link AclBinding} and
 * {@link AclFilter} (the metadata). The enum names are the same on both sides.
 */
public final class AclConversions {
    private AclConversions() {
    }

    /** A binding a client asked to create, as stored; throws IllegalArgumentException with Kafka's wording when it cannot be. */
    public static AclBinding toStored(org.apache.kafka.common.acl.AclBinding binding) {
        ResourcePattern pattern = binding.pattern();
        AccessControlEntry entry = binding.entry();
        if (pattern.resourceType() == ResourceType.UNKNOWN || pattern.resourceType() == ResourceType.ANY) {
            throw new IllegalArgumentException("Invalid resourceType " + pattern.resourceType());
        }
        if (pattern.resourceType() == ResourceType.DELEGATION_TOKEN || pattern.resourceType() == ResourceType.USER) {
            throw new IllegalArgumentException("ACLs on " + pattern.resourceType() + " resources are not supported by Weir");
        }
        if (pattern.patternType() != PatternType.LITERAL && pattern.patternType() != PatternType.PREFIXED) {
            throw new IllegalArgumentException("Invalid patternType " + pattern.patternType());
        }
        if (entry.operation() == AclOperation.UNKNOWN || entry.operation() == AclOperation.ANY) {
            throw new IllegalArgumentException("Invalid operation " + entry.operation());
        }
        if (entry.permissionType() != AclPermissionType.ALLOW && entry.permissionType() != AclPermissionType.DENY) {
            throw new IllegalArgumentException("Invalid permissionType " + entry.permissionType());
        }
        if (pattern.name() == null || entry.principal() == null || entry.host() == null) {
            throw new IllegalArgumentException("Invalid null resource name, principal or host");
        }
        return new AclBinding(AclBinding.ResourceType.valueOf(pattern.resourceType().name()), pattern.name(),
                AclBinding.PatternType.valueOf(pattern.patternType().name()), entry.principal(), entry.host(),
                AclBinding.Operation.valueOf(entry.operation().name()),
                AclBinding.Permission.valueOf(entry.permissionType().name()));
    }

    public static org.apache.kafka.common.acl.AclBinding toKafka(AclBinding acl) {
        return new org.apache.kafka.common.acl.AclBinding(
                new ResourcePattern(ResourceType.valueOf(acl.resourceType().name()), acl.resourceName(),
                        PatternType.valueOf(acl.patternType().name())),
                new AccessControlEntry(acl.principal(), acl.host(), AclOperation.valueOf(acl.operation().name()),
                        AclPermissionType.valueOf(acl.permission().name())));
    }

    /**
     * A DeleteAcls filter as the controller applies it; empty when it can match no stored ACL
     * (a resource type or operation Weir does not store). Throws IllegalArgumentException for
     * UNKNOWN values, which Kafka refuses as INVALID_REQUEST.
     */
    public static Optional<AclFilter> toStored(AclBindingFilter filter) {
        if (filter.isUnknown()) throw new IllegalArgumentException("Invalid filter " + filter);
        ResourceType type = filter.patternFilter().resourceType();
        AclOperation operation = filter.entryFilter().operation();
        if (type == ResourceType.DELEGATION_TOKEN || type == ResourceType.USER) return Optional.empty();
        AclPermissionType permission = filter.entryFilter().permissionType();
        return Optional.of(new AclFilter(
                type == ResourceType.ANY ? null : AclBinding.ResourceType.valueOf(type.name()),
                filter.patternFilter().name(),
                AclFilter.PatternFilter.valueOf(filter.patternFilter().patternType().name()),
                filter.entryFilter().principal(), filter.entryFilter().host(),
                operation == AclOperation.ANY ? null : AclBinding.Operation.valueOf(operation.name()),
                permission == AclPermissionType.ANY ? null : AclBinding.Permission.valueOf(permission.name())));
    }
}
