package io.weir.broker.security.acl;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.acl.AclBinding.PatternType;
import io.weir.controller.acl.AclBinding.Permission;
import io.weir.controller.acl.AclBinding.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AclAuthorizerTest {
    private static final String ALICE = "User:alice";
    private static final String HOST = "10.0.0.1";
    private final AclAuthorizer authorizer = new AclAuthorizer(Set.of("User:admin"), false);

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal, String host,
                                  Operation op, Permission permission) {
        return new AclBinding(type, name, pattern, principal, host, op, permission);
    }

    private static AclBinding allowTopic(String name, PatternType pattern, Operation op) {
        return acl(ResourceType.TOPIC, name, pattern, ALICE, "*", op, Permission.ALLOW);
    }

    private boolean may(List<AclBinding> acls, String principal, Operation op, String topic) {
        return authorizer.authorize(new AclIndex(acls), principal, HOST, op, ResourceType.TOPIC, topic);
    }

    @Test
    void withoutAclsOnlySuperUsersMay() {
        assertThat(may(List.of(), ALICE, Operation.READ, "orders")).isFalse();
        assertThat(may(List.of(), "User:admin", Operation.READ, "orders")).isTrue();
        assertThat(AclAuthorizer.parseSuperUsers(" User:a ;User:b;; ")).containsExactlyInAnyOrder("User:a", "User:b");
    }

    @Test
    void literalPrefixedAndWildcardNamesMatch() {
        assertThat(may(List.of(allowTopic("orders", PatternType.LITERAL, Operation.READ)), ALICE, Operation.READ, "orders")).isTrue();
        assertThat(may(List.of(allowTopic("orders", PatternType.LITERAL, Operation.READ)), ALICE, Operation.READ, "orders2")).isFalse();
        assertThat(may(List.of(allowTopic("ord", PatternType.PREFIXED, Operation.READ)), ALICE, Operation.READ, "orders")).isTrue();
        assertThat(may(List.of(allowTopic("ord", PatternType.PREFIXED, Operation.READ)), ALICE, Operation.READ, "or")).isFalse();
        assertThat(may(List.of(allowTopic("*", PatternType.LITERAL, Operation.READ)), ALICE, Operation.READ, "anything")).isTrue();
        assertThat(may(List.of(allowTopic("*", PatternType.PREFIXED, Operation.READ)), ALICE, Operation.READ, "anything"))
                .as("a PREFIXED * is the prefix '*', not a wildcard").isFalse();
    }

    @Test
    void principalWildcardAndHostMatch() {
        AclBinding everyone = acl(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:*", "*", Operation.WRITE, Permission.ALLOW);
        AclBinding otherHost = acl(ResourceType.TOPIC, "t", PatternType.LITERAL, ALICE, "10.0.0.2", Operation.READ, Permission.ALLOW);
        AclBinding thisHost = acl(ResourceType.TOPIC, "t", PatternType.LITERAL, ALICE, HOST, Operation.DELETE, Permission.ALLOW);
        List<AclBinding> acls = List.of(everyone, otherHost, thisHost);
        assertThat(may(acls, "User:bob", Operation.WRITE, "t")).isTrue();
        assertThat(may(acls, ALICE, Operation.READ, "t")).isFalse();
        assertThat(may(acls, ALICE, Operation.DELETE, "t")).isTrue();
    }

    @Test
    void denyBeatsAllow() {
        List<AclBinding> acls = List.of(allowTopic("*", PatternType.LITERAL, Operation.ALL),
                acl(ResourceType.TOPIC, "secret", PatternType.PREFIXED, "User:*", "*", Operation.READ, Permission.DENY));
        assertThat(may(acls, ALICE, Operation.READ, "public")).isTrue();
        assertThat(may(acls, ALICE, Operation.READ, "secret-1")).isFalse();
        assertThat(may(acls, ALICE, Operation.WRITE, "secret-1")).as("a DENY covers only its operation").isTrue();
        assertThat(may(acls, ALICE, Operation.DESCRIBE, "secret-1")).as("a DENY of READ does not deny DESCRIBE").isTrue();
    }

    @Test
    void impliedOperations() {
        for (Operation granted : List.of(Operation.READ, Operation.WRITE, Operation.DELETE, Operation.ALTER)) {
            assertThat(may(List.of(allowTopic("t", PatternType.LITERAL, granted)), ALICE, Operation.DESCRIBE, "t")).isTrue();
        }
        assertThat(may(List.of(allowTopic("t", PatternType.LITERAL, Operation.CREATE)), ALICE, Operation.DESCRIBE, "t")).isFalse();
        assertThat(may(List.of(allowTopic("t", PatternType.LITERAL, Operation.ALTER_CONFIGS)), ALICE,
                Operation.DESCRIBE_CONFIGS, "t")).isTrue();
        assertThat(may(List.of(allowTopic("t", PatternType.LITERAL, Operation.READ)), ALICE, Operation.WRITE, "t")).isFalse();
        assertThat(may(List.of(allowTopic("t", PatternType.LITERAL, Operation.ALL)), ALICE, Operation.ALTER_CONFIGS, "t")).isTrue();
    }

    @Test
    void allowEveryoneIfNoAclFoundAppliesOnlyToResourcesWithoutAnyAcl() {
        AclAuthorizer open = new AclAuthorizer(Set.of(), true);
        AclIndex acls = new AclIndex(List.of(acl(ResourceType.TOPIC, "guarded", PatternType.LITERAL, "User:bob", "*",
                Operation.READ, Permission.ALLOW)));
        assertThat(open.authorize(acls, ALICE, HOST, Operation.READ, ResourceType.TOPIC, "free")).isTrue();
        assertThat(open.authorize(acls, ALICE, HOST, Operation.READ, ResourceType.TOPIC, "guarded")).isFalse();
        assertThat(open.authorize(acls, ALICE, HOST, Operation.READ, ResourceType.GROUP, "guarded")).isTrue();
    }

    @Test
    void someTopicIsWritableUnlessDeniesCoverEveryAllow() {
        AclIndex prefixedAllow = new AclIndex(List.of(allowTopic("logs-", PatternType.PREFIXED, Operation.WRITE)));
        assertThat(authorizer.authorizeAny(prefixedAllow, ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).isTrue();
        assertThat(authorizer.authorizeAny(prefixedAllow, ALICE, HOST, Operation.READ, ResourceType.TOPIC)).isFalse();
        assertThat(authorizer.authorizeAny(prefixedAllow, "User:bob", HOST, Operation.WRITE, ResourceType.TOPIC)).isFalse();
        AclIndex covered = new AclIndex(List.of(allowTopic("logs-1", PatternType.LITERAL, Operation.WRITE),
                acl(ResourceType.TOPIC, "logs", PatternType.PREFIXED, ALICE, "*", Operation.ALL, Permission.DENY)));
        assertThat(authorizer.authorizeAny(covered, ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).isFalse();
        AclIndex wildcardDeny = new AclIndex(List.of(allowTopic("*", PatternType.LITERAL, Operation.WRITE),
                acl(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:*", "*", Operation.WRITE, Permission.DENY)));
        assertThat(authorizer.authorizeAny(wildcardDeny, ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).isFalse();
    }
}
