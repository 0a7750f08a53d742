package io.weir.zk.mirror;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.controller.acl.AclBinding;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ACLs as Kafka 2.x/3.x's {@code AclAuthorizer} kept them in ZooKeeper ({@code ZkAclStore}): one
 * znode per resource pattern, {@code /kafka-acl/<ResourceType>/<name>} for LITERAL patterns and
 * {@code /kafka-acl-extended/prefixed/<ResourceType>/<name>} for PREFIXED ones, holding
 * {@code {"version":1,"acls":[{"principal":...,"permissionType":...,"operation":...,"host":...}]}}
 * with Kafka's Pascal-case names ({@code Topic}, {@code TransactionalId}, {@code Allow},
 * {@code DescribeConfigs}). The parents exist for every resource type Weir stores, as Kafka
 * created them at start. Pure; entries sorted, so the same ACLs give the same bytes.
 *
 * <p>A resource name containing {@code /} cannot be a znode's name and is left out (Kafka's store
 * did not escape names either). Change notifications ({@code /kafka-acl-changes}) are not
 * written: nothing reads this layout to authorize.
 */
final class ClassicAclZnodes {
    static final String LITERAL_ROOT = "/kafka-acl";
    static final String EXTENDED_ROOT = "/kafka-acl-extended";
    static final String PREFIXED_ROOT = EXTENDED_ROOT + "/prefixed";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Comparator<AclBinding> ENTRY_ORDER = Comparator.comparing(AclBinding::principal)
            .thenComparing(AclBinding::permission).thenComparing(AclBinding::operation).thenComparing(AclBinding::host);

    private ClassicAclZnodes() {
    }

    /** The roots and type directories of both stores, which hold no data. */
    static List<String> parents() {
        List<String> parents = new ArrayList<>(List.of(LITERAL_ROOT, EXTENDED_ROOT, PREFIXED_ROOT));
        for (AclBinding.ResourceType type : AclBinding.ResourceType.values()) {
            parents.add(LITERAL_ROOT + "/" + pascalCase(type.name()));
            parents.add(PREFIXED_ROOT + "/" + pascalCase(type.name()));
        }
        return parents;
    }

    /** Adds the ACL znodes for {@code acls} (and their parents) to {@code znodes}. */
    static void addTo(Map<String, byte[]> znodes, Collection<AclBinding> acls) {
        for (String parent : parents()) znodes.put(parent, ClassicZnodes.NO_DATA);
        Map<String, List<AclBinding>> byPath = new TreeMap<>();
        for (AclBinding acl : acls) {
            if (acl.resourceName().contains("/") || acl.resourceName().isEmpty()) continue;
            String root = acl.patternType() == AclBinding.PatternType.LITERAL ? LITERAL_ROOT : PREFIXED_ROOT;
            String path = root + "/" + pascalCase(acl.resourceType().name()) + "/" + acl.resourceName();
            if (!validZnodePath(path)) continue; // ".", "..", control or surrogate characters: ZooKeeper refuses them
            byPath.computeIfAbsent(path, p -> new ArrayList<>()).add(acl);
        }
        byPath.forEach((path, entries) -> znodes.put(path, json(entries)));
    }

    private static boolean validZnodePath(String path) {
        try {
            org.apache.zookeeper.common.PathUtils.validatePath(path);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static byte[] json(List<AclBinding> entries) {
        List<Map<String, String>> acls = new ArrayList<>();
        entries.stream().sorted(ENTRY_ORDER).distinct().forEach(acl -> {
            Map<String, String> entry = new LinkedHashMap<>();
            entry.put("principal", acl.principal());
            entry.put("permissionType", pascalCase(acl.permission().name()));
            entry.put("operation", pascalCase(acl.operation().name()));
            entry.put("host", acl.host());
            acls.add(entry);
        });
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", 1);
        json.put("acls", acls);
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kafka's {@code SecurityUtils.toPascalCase}: TRANSACTIONAL_ID to TransactionalId. */
    static String pascalCase(String name) {
        StringBuilder out = new StringBuilder();
        boolean upper = true;
        for (char c : name.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
                upper = false;
            }
        }
        return out.toString();
    }
}
