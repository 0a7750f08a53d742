package io.weir.controller.acl;

import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.acl.AclBinding.Permission;
import io.weir.controller.acl.AclBinding.ResourceType;

/**
 * Which ACLs DescribeAcls and DeleteAcls select, with Kafka's {@code AclBindingFilter} semantics.
 * A null field matches anything (Kafka's ANY, or a null name, principal or host).
 *
 * @param patternType ANY: the name must equal the pattern's (any pattern type); LITERAL / PREFIXED:
 *     that pattern type with that name; MATCH: every pattern that would apply to a resource of that
 *     name (the literal name, the {@code *} wildcard, prefixes of it)
 */
public record AclFilter(ResourceType resourceType, String resourceName, PatternFilter patternType,
                        String principal, String host, Operation operation, Permission permission) {
    /** Matches every ACL. */
    public static final AclFilter ANY = new AclFilter(null, null, PatternFilter.ANY, null, null, null, null);

    public enum PatternFilter { ANY, MATCH, LITERAL, PREFIXED }

    public AclFilter {
        if (patternType == null) patternType = PatternFilter.ANY;
    }

    public boolean matches(AclBinding acl) {
        return matchesPattern(acl)
                && (principal == null || principal.equals(acl.principal()))
                && (host == null || host.equals(acl.host()))
                && (operation == null || operation == acl.operation())
                && (permission == null || permission == acl.permission());
    }

    private boolean matchesPattern(AclBinding acl) {
        if (resourceType != null && resourceType != acl.resourceType()) return false;
        boolean sameType = patternType.name().equals(acl.patternType().name());
        if (patternType != PatternFilter.ANY && patternType != PatternFilter.MATCH && !sameType) return false;
        if (resourceName == null) return true;
        if (patternType == PatternFilter.ANY || sameType) return resourceName.equals(acl.resourceName());
        // MATCH: the patterns that apply to a resource named resourceName.
        if (acl.patternType() == AclBinding.PatternType.LITERAL) {
            return resourceName.equals(acl.resourceName()) || AclBinding.WILDCARD.equals(acl.resourceName());
        }
        return resourceName.startsWith(acl.resourceName());
    }
}
