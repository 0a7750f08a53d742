package io.weir.broker.security.acl;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.acl.AclBinding.PatternType;
import io.weir.controller.acl.AclBinding.Permission;
import io.weir.controller.acl.AclBinding.ResourceType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The indexed authorizer against a plain reading of Kafka's rules over a list of ACLs, and the
 * rules' consequences: a DENY can only take permissions away, an ALLOW only add them.
 */
class AclAuthorizerPropertyTest {
    private static final List<String> NAMES = List.of("*", "a", "ab", "abc", "b", "ba");
    private static final List<String> PRINCIPALS = List.of("User:alice", "User:bob", "User:*");
    private static final List<String> HOSTS = List.of("*", "10.0.0.1", "10.0.0.2");

    @Property(tries = 300)
    void indexedDecisionIsThePlainReading(@ForAll("acls") List<AclBinding> acls, @ForAll("requests") Request r,
                                          @ForAll boolean allowEveryone) {
        AclAuthorizer authorizer = new AclAuthorizer(Set.of(), allowEveryone);
        assertThat(authorizer.authorize(new AclIndex(acls), r.principal, r.host, r.operation, r.type, r.name))
                .isEqualTo(plain(acls, r, allowEveryone));
    }

    @Property(tries = 300)
    void aDenyNeverAllowsAndAnAllowNeverDenies(@ForAll("acls") List<AclBinding> acls, @ForAll("acls") List<AclBinding> more,
                                               @ForAll("requests") Request r) {
        AclAuthorizer authorizer = new AclAuthorizer(Set.of(), false);
        boolean before = authorizer.authorize(new AclIndex(acls), r.principal, r.host, r.operation, r.type, r.name);
        List<AclBinding> denies = new ArrayList<>(acls);
        List<AclBinding> allows = new ArrayList<>(acls);
        more.forEach(a -> (a.permission() == Permission.DENY ? denies : allows).add(a));
        if (!before) {
            assertThat(authorizer.authorize(new AclIndex(denies), r.principal, r.host, r.operation, r.type, r.name)).isFalse();
        } else {
            assertThat(authorizer.authorize(new AclIndex(allows), r.principal, r.host, r.operation, r.type, r.name)).isTrue();
        }
        List<AclBinding> denyAll = new ArrayList<>(acls);
        denyAll.add(new AclBinding(r.type, "*", PatternType.LITERAL, "User:*", "*", Operation.ALL, Permission.DENY));
        assertThat(authorizer.authorize(new AclIndex(denyAll), r.principal, r.host, r.operation, r.type, r.name)).isFalse();
    }

    record Request(String principal, String host, Operation operation, ResourceType type, String name) {
    }

    /** Kafka's rules read literally, one ACL at a time. */
    private static boolean plain(List<AclBinding> acls, Request r, boolean allowEveryone) {
        boolean onResource = false;
        boolean allowed = false;
        for (AclBinding acl : acls) {
            boolean resource = acl.resourceType() == r.type && (acl.patternType() == PatternType.LITERAL
                    ? acl.resourceName().equals(r.name) || acl.resourceName().equals("*")
                    : r.name.startsWith(acl.resourceName()));
            if (!resource) continue;
            onResource = true;
            boolean who = (acl.principal().equals(r.principal) || acl.principal().equals("User:*"))
                    && (acl.host().equals(r.host) || acl.host().equals("*"));
            if (!who) continue;
            boolean sameOp = acl.operation() == r.operation || acl.operation() == Operation.ALL;
            if (acl.permission() == Permission.DENY && sameOp) return false;
            if (acl.permission() == Permission.ALLOW && (sameOp
                    || (r.operation == Operation.DESCRIBE && Set.of(Operation.READ, Operation.WRITE, Operation.DELETE,
                    Operation.ALTER).contains(acl.operation()))
                    || (r.operation == Operation.DESCRIBE_CONFIGS && acl.operation() == Operation.ALTER_CONFIGS))) {
                allowed = true;
            }
        }
        return allowed || (!onResource && allowEveryone);
    }

    @Provide
    Arbitrary<List<AclBinding>> acls() {
        Arbitrary<AclBinding> acl = Combinators.combine(
                Arbitraries.of(ResourceType.TOPIC, ResourceType.GROUP), Arbitraries.of(NAMES),
                Arbitraries.of(PatternType.class), Arbitraries.of(PRINCIPALS), Arbitraries.of(HOSTS),
                Arbitraries.of(Operation.ALL, Operation.READ, Operation.WRITE, Operation.DESCRIBE, Operation.ALTER,
                        Operation.ALTER_CONFIGS, Operation.DESCRIBE_CONFIGS),
                Arbitraries.of(Permission.class)).as(AclBinding::new);
        return acl.list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<Request> requests() {
        return Combinators.combine(Arbitraries.of("User:alice", "User:bob"), Arbitraries.of("10.0.0.1", "10.0.0.2"),
                Arbitraries.of(Operation.READ, Operation.WRITE, Operation.DESCRIBE, Operation.ALTER_CONFIGS,
                        Operation.DESCRIBE_CONFIGS),
                Arbitraries.of(ResourceType.TOPIC, ResourceType.GROUP), Arbitraries.of("a", "ab", "abc", "b", "c"))
                .as(Request::new);
    }
}
