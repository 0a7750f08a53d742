package io.weir.broker.security.acl;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.acl.AclBinding.Permission;
import io.weir.controller.acl.AclBinding.ResourceType;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Kafka's {@code StandardAuthorizer} decision, pure (no I/O, no clock): may {@code principal}
 * from {@code host} do {@code operation} on a resource, given the cluster's ACLs?
 * <ol>
 *   <li>A super user ({@code super.users}) may do everything.</li>
 *   <li>The ACLs that apply are those whose pattern matches the resource (the literal name, the
 *       literal {@code *}, or a prefix of the name), whose principal is the principal or
 *       {@code User:*}, and whose host is the client's address or {@code *}.</li>
 *   <li>A DENY of the operation (or of ALL) wins over any ALLOW.</li>
 *   <li>An ALLOW of the operation, of ALL, or of an operation that implies it (READ, WRITE,
 *       DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS) allows.</li>
 *   <li>Otherwise: denied, unless no ACL at all names the resource and
 *       {@code allow.everyone.if.no.acl.found} is set.</li>
 * </ol>
 */
public final class AclAuthorizer {
    /** Matches every principal, as in Kafka (of any principal type). */
    public static final String WILDCARD_PRINCIPAL = "User:*";

    private static final Set<Operation> IMPLY_DESCRIBE =
            EnumSet.of(Operation.READ, Operation.WRITE, Operation.DELETE, Operation.ALTER);

    private final Set<String> superUsers;
    private final boolean allowEveryoneIfNoAclFound;

    public AclAuthorizer(Set<String> superUsers, boolean allowEveryoneIfNoAclFound) {
        this.superUsers = Set.copyOf(superUsers);
        this.allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound;
    }

    /** Kafka's {@code super.users}: principals separated by semicolons, blanks ignored. */
    public static Set<String> parseSuperUsers(String value) {
        if (value == null || value.isBlank()) return Set.of();
        return Arrays.stream(value.split(";")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    public boolean isSuperUser(String principal) {
        return superUsers.contains(principal);
    }

    /**
     * @param principal Kafka's principal string, {@code Type:name} (e.g. {@code User:alice})
     * @param host      the client's address as {@code InetAddress.getHostAddress()} gives it
     */
    public boolean authorize(AclIndex acls, String principal, String host, Operation operation,
                             ResourceType type, String name) {
        if (superUsers.contains(principal)) return true;
        boolean[] found = new boolean[3]; // any ACL on the resource, an applicable ALLOW, an applicable DENY
        acls.forEachMatching(type, name, acl -> {
            found[0] = true;
            if (!appliesTo(acl, principal, host)) return;
            if (acl.permission() == Permission.DENY) {
                if (acl.operation() == operation || acl.operation() == Operation.ALL) found[2] = true;
            } else if (allows(acl.operation(), operation)) {
                found[1] = true;
            }
        });
        if (found[2]) return false;
        if (found[1]) return true;
        return !found[0] && allowEveryoneIfNoAclFound;
    }

    /**
     * Kafka's {@code Authorizer.authorizeByResourceType}: whether some resource of {@code type}
     * exists that {@code principal} may do {@code operation} on, judged from the patterns alone
     * (an ALLOW not covered by a DENY of the same or a shorter pattern). InitProducerId asks it
     * for WRITE on topics (KIP-679).
     */
    public boolean authorizeAny(AclIndex acls, String principal, String host, Operation operation, ResourceType type) {
        if (superUsers.contains(principal)) return true;
        java.util.List<AclBinding> allows = new java.util.ArrayList<>();
        java.util.List<AclBinding> denies = new java.util.ArrayList<>();
        acls.forEachOfType(type, acl -> {
            if (!appliesTo(acl, principal, host)) return;
            if (acl.operation() != operation && acl.operation() != Operation.ALL) return;
            (acl.permission() == Permission.DENY ? denies : allows).add(acl);
        });
        for (AclBinding deny : denies) {
            if (deny.patternType() == AclBinding.PatternType.LITERAL && deny.resourceName().equals(AclBinding.WILDCARD)) {
                return false;
            }
        }
        for (AclBinding allow : allows) {
            boolean literal = allow.patternType() == AclBinding.PatternType.LITERAL;
            if (literal && allow.resourceName().equals(AclBinding.WILDCARD)) return true;
            boolean denied = denies.stream().anyMatch(deny -> deny.patternType() == AclBinding.PatternType.PREFIXED
                    ? allow.resourceName().startsWith(deny.resourceName())
                    : literal && deny.resourceName().equals(allow.resourceName()));
            if (!denied) return true;
        }
        return false;
    }

    private static boolean appliesTo(AclBinding acl, String principal, String host) {
        return (acl.principal().equals(principal) || acl.principal().equals(WILDCARD_PRINCIPAL))
                && (acl.host().equals(host) || acl.host().equals(AclBinding.WILDCARD));
    }

    /** Whether an ALLOW of {@code granted} allows {@code wanted}. */
    static boolean allows(Operation granted, Operation wanted) {
        if (granted == wanted || granted == Operation.ALL) return true;
        if (wanted == Operation.DESCRIBE) return IMPLY_DESCRIBE.contains(granted);
        return wanted == Operation.DESCRIBE_CONFIGS && granted == Operation.ALTER_CONFIGS;
    }
}
