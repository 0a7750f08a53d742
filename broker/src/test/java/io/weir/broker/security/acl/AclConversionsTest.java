package io.weir.broker.security.acl;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclFilter;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AclConversionsTest {
    private static org.apache.kafka.common.acl.AclBinding kafka(ResourceType type, PatternType pattern, AclOperation op,
                                                               AclPermissionType permission) {
        return new org.apache.kafka.common.acl.AclBinding(new ResourcePattern(type, "orders", pattern),
                new AccessControlEntry("User:alice", "*", op, permission));
    }

    @Test
    void storedBindingsRoundTripThroughKafkasTypes() {
        org.apache.kafka.common.acl.AclBinding binding = kafka(ResourceType.TOPIC, PatternType.PREFIXED,
                AclOperation.IDEMPOTENT_WRITE, AclPermissionType.DENY);
        AclBinding stored = AclConversions.toStored(binding);
        assertThat(stored).isEqualTo(new AclBinding(AclBinding.ResourceType.TOPIC, "orders", AclBinding.PatternType.PREFIXED,
                "User:alice", "*", AclBinding.Operation.IDEMPOTENT_WRITE, AclBinding.Permission.DENY));
        assertThat(AclConversions.toKafka(stored)).isEqualTo(binding);
    }

    @Test
    void whatCannotBeStoredIsRefused() {
        assertThatThrownBy(() -> AclConversions.toStored(kafka(ResourceType.USER, PatternType.LITERAL, AclOperation.READ,
                AclPermissionType.ALLOW))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not supported");
        assertThatThrownBy(() -> AclConversions.toStored(kafka(ResourceType.TOPIC, PatternType.MATCH, AclOperation.READ,
                AclPermissionType.ALLOW))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AclConversions.toStored(kafka(ResourceType.TOPIC, PatternType.LITERAL, AclOperation.ANY,
                AclPermissionType.ALLOW))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void filtersMapAnyToNull() {
        AclFilter any = AclConversions.toStored(AclBindingFilter.ANY).orElseThrow();
        assertThat(any).isEqualTo(AclFilter.ANY);
        AclBindingFilter match = new AclBindingFilter(new ResourcePatternFilter(ResourceType.GROUP, "g", PatternType.MATCH),
                new AccessControlEntryFilter("User:bob", null, AclOperation.READ, AclPermissionType.ALLOW));
        assertThat(AclConversions.toStored(match)).contains(new AclFilter(AclBinding.ResourceType.GROUP, "g",
                AclFilter.PatternFilter.MATCH, "User:bob", null, AclBinding.Operation.READ, AclBinding.Permission.ALLOW));
        assertThat(AclConversions.toStored(new AclBindingFilter(
                new ResourcePatternFilter(ResourceType.DELEGATION_TOKEN, null, PatternType.ANY),
                AccessControlEntryFilter.ANY))).as("matches nothing stored").isEmpty();
    }
}
