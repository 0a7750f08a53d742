package io.weir.controller.acl;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerResult;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.acl.AclBinding.PatternType;
import io.weir.controller.acl.AclBinding.Permission;
import io.weir.controller.acl.AclBinding.ResourceType;
import io.weir.controller.acl.AclFilter.PatternFilter;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.MetadataImageSerde;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class AclControlManagerTest {
    private final Random random = new Random(19);
    private final AclControlManager acls = new AclControlManager(() -> new UUID(random.nextLong(), random.nextLong()));

    static AclBinding allow(ResourceType type, String name, PatternType pattern, String principal, Operation op) {
        return new AclBinding(type, name, pattern, principal, "*", op, Permission.ALLOW);
    }

    private static MetadataImage replay(MetadataImage image, ControllerResult<?> result) {
        return image.apply(image.offset() + 1, result.records());
    }

    @Test
    void createdAclsLiveInTheImageAndSurviveASnapshot() {
        AclBinding read = allow(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", Operation.READ);
        AclBinding write = allow(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, "User:bob", Operation.WRITE);
        ControllerResult<List<ApiStatus>> created = acls.createAcls(MetadataImage.EMPTY, List.of(read, write, read));
        MetadataImage image = replay(MetadataImage.EMPTY, created);

        assertThat(created.response()).containsExactly(ApiStatus.OK, ApiStatus.OK, ApiStatus.OK);
        assertThat(image.acls().values()).containsExactlyInAnyOrder(read, write);
        MetadataImageSerde serde = new MetadataImageSerde();
        assertThat(serde.decode(serde.encode(image))).isEqualTo(image);

        ControllerResult<List<ApiStatus>> again = acls.createAcls(image, List.of(read));
        assertThat(again.response()).containsExactly(ApiStatus.OK);
        assertThat(again.records()).as("an existing ACL is not stored twice").isEmpty();
    }

    @Test
    void invalidAclsAreRefusedOneByOne() {
        AclBinding good = allow(ResourceType.GROUP, "g", PatternType.LITERAL, "User:alice", Operation.READ);
        ControllerResult<List<ApiStatus>> created = acls.createAcls(MetadataImage.EMPTY, List.of(
                allow(ResourceType.CLUSTER, "other", PatternType.LITERAL, "User:alice", Operation.ALTER),
                allow(ResourceType.TOPIC, "", PatternType.LITERAL, "User:alice", Operation.READ),
                allow(ResourceType.TOPIC, "t", PatternType.LITERAL, "alice", Operation.READ),
                good));

        assertThat(created.response()).extracting(ApiStatus::error).containsExactly(
                ApiError.INVALID_REQUEST, ApiError.INVALID_REQUEST, ApiError.INVALID_REQUEST, ApiError.NONE);
        assertThat(replay(MetadataImage.EMPTY, created).acls().values()).containsExactly(good);
    }

    @Test
    void deleteRemovesWhatEachFilterMatchesOnce() {
        AclBinding literal = allow(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", Operation.READ);
        AclBinding wildcard = allow(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:alice", Operation.READ);
        AclBinding prefixed = allow(ResourceType.TOPIC, "ord", PatternType.PREFIXED, "User:bob", Operation.WRITE);
        AclBinding group = allow(ResourceType.GROUP, "orders", PatternType.LITERAL, "User:alice", Operation.READ);
        MetadataImage image = replay(MetadataImage.EMPTY,
                acls.createAcls(MetadataImage.EMPTY, List.of(literal, wildcard, prefixed, group)));

        AclFilter match = new AclFilter(ResourceType.TOPIC, "orders", PatternFilter.MATCH, null, null, null, null);
        AclFilter alice = new AclFilter(null, null, PatternFilter.ANY, "User:alice", null, Operation.READ, null);
        ControllerResult<List<AclControlManager.Deletion>> deleted = acls.deleteAcls(image, List.of(match, alice));

        assertThat(deleted.response().get(0).removed().values()).containsExactlyInAnyOrder(literal, wildcard, prefixed);
        assertThat(deleted.response().get(1).removed().values()).containsExactlyInAnyOrder(literal, wildcard, group);
        assertThat(deleted.records()).hasSize(4);
        assertThat(replay(image, deleted).acls()).isEmpty();
    }

    @Test
    void filtersFollowKafkasPatternSemantics() {
        AclBinding prefixed = allow(ResourceType.TOPIC, "ord", PatternType.PREFIXED, "User:bob", Operation.WRITE);
        assertThat(new AclFilter(ResourceType.TOPIC, "ord", PatternFilter.ANY, null, null, null, null).matches(prefixed)).isTrue();
        assertThat(new AclFilter(ResourceType.TOPIC, "ord", PatternFilter.LITERAL, null, null, null, null).matches(prefixed)).isFalse();
        assertThat(new AclFilter(ResourceType.TOPIC, "orders", PatternFilter.PREFIXED, null, null, null, null).matches(prefixed)).isFalse();
        assertThat(new AclFilter(ResourceType.TOPIC, "orders", PatternFilter.MATCH, null, null, null, null).matches(prefixed)).isTrue();
        assertThat(new AclFilter(ResourceType.GROUP, null, PatternFilter.ANY, null, null, null, null).matches(prefixed)).isFalse();
        assertThat(new AclFilter(null, null, PatternFilter.ANY, null, null, null, Permission.DENY).matches(prefixed)).isFalse();
    }
}
