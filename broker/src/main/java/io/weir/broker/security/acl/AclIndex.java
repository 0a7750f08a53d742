package io.weir.broker.security.acl;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclBinding.ResourceType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The ACLs of one metadata image arranged for lookup by resource: literal names (and the {@code *}
 * wildcard) by name, prefixed patterns by prefix, so finding the ACLs that apply to a resource
 * costs one map lookup per prefix length of its name, not a scan of every ACL. Immutable.
 */
public final class AclIndex {
    public static final AclIndex EMPTY = new AclIndex(List.of());

    private final Map<ResourceType, Map<String, List<AclBinding>>> literal = new EnumMap<>(ResourceType.class);
    private final Map<ResourceType, Map<String, List<AclBinding>>> prefixed = new EnumMap<>(ResourceType.class);
    private final boolean empty;

    public AclIndex(Collection<AclBinding> acls) {
        for (AclBinding acl : acls) {
            Map<ResourceType, Map<String, List<AclBinding>>> byType =
                    acl.patternType() == AclBinding.PatternType.LITERAL ? literal : prefixed;
            byType.computeIfAbsent(acl.resourceType(), t -> new HashMap<>())
                    .computeIfAbsent(acl.resourceName(), n -> new ArrayList<>()).add(acl);
        }
        this.empty = acls.isEmpty();
    }

    public boolean isEmpty() {
        return empty;
    }

    /** Calls {@code action} with every ACL on resources of {@code type}. */
    public void forEachOfType(ResourceType type, Consumer<AclBinding> action) {
        literal.getOrDefault(type, Map.of()).values().forEach(l -> l.forEach(action));
        prefixed.getOrDefault(type, Map.of()).values().forEach(l -> l.forEach(action));
    }

    /** Calls {@code action} with every ACL whose pattern matches the resource {@code type}/{@code name}. */
    public void forEachMatching(ResourceType type, String name, Consumer<AclBinding> action) {
        Map<String, List<AclBinding>> literals = literal.getOrDefault(type, Map.of());
        literals.getOrDefault(name, List.of()).forEach(action);
        if (!AclBinding.WILDCARD.equals(name)) literals.getOrDefault(AclBinding.WILDCARD, List.of()).forEach(action);
        Map<String, List<AclBinding>> prefixes = prefixed.getOrDefault(type, Map.of());
        if (prefixes.isEmpty()) return;
        for (int end = 1; end <= name.length(); end++) {
            prefixes.getOrDefault(name.substring(0, end), List.of()).forEach(action);
        }
    }
}
