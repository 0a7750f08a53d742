package io.weir.controller.security;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerResult;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.UserScramCredentialRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ScramControlManagerTest {
    private final ScramControlManager scram = new ScramControlManager();

    private static ScramControlManager.Upsertion upsert(String user, String mechanism, int iterations) {
        return new ScramControlManager.Upsertion(user, mechanism, "c2FsdA==", "c3RvcmVk", "c2VydmVy", iterations);
    }

    private static MetadataImage replay(MetadataImage image, ControllerResult<?> result) {
        return image.apply(image.offset() + 1, result.records());
    }

    @Test
    void setThenDeleteACredentialThroughReplayAndSnapshot() {
        ControllerResult<Map<String, ApiStatus>> set = scram.alter(MetadataImage.EMPTY, List.of(),
                List.of(upsert("alice", "SCRAM-SHA-256", 8192), upsert("alice", "SCRAM-SHA-512", 4096)));
        MetadataImage image = replay(MetadataImage.EMPTY, set);

        assertThat(set.response()).containsExactly(Map.entry("alice", ApiStatus.OK));
        assertThat(image.scramCredentials("alice")).containsOnlyKeys("SCRAM-SHA-256", "SCRAM-SHA-512");
        assertThat(image.scramCredentials("alice").get("SCRAM-SHA-256").iterations()).isEqualTo(8192);
        assertThat(MetadataImage.fromRecords(image.offset(), image.toRecords())).isEqualTo(image);

        MetadataImage deleted = replay(image, scram.alter(image,
                List.of(new ScramControlManager.Deletion("alice", "SCRAM-SHA-256")), List.of()));
        assertThat(deleted.scramCredentials("alice")).containsOnlyKeys("SCRAM-SHA-512");
    }

    @Test
    void aUsersBadChangeRefusesAllOfItsChangesButNotOtherUsers() {
        ControllerResult<Map<String, ApiStatus>> result = scram.alter(MetadataImage.EMPTY,
                List.of(new ScramControlManager.Deletion("carol", "SCRAM-SHA-256")),
                List.of(upsert("alice", "SCRAM-SHA-256", 8192), upsert("alice", "SCRAM-SHA-256", 8192),
                        upsert("bob", "SCRAM-SHA-512", 100), upsert("dave", "SCRAM-SHA-1", 8192),
                        upsert("weir-node-1", "SCRAM-SHA-512", 8192), upsert("erin", "SCRAM-SHA-512", 8192)));

        assertThat(result.response().get("alice").error()).isEqualTo(ApiError.DUPLICATE_RESOURCE);
        assertThat(result.response().get("bob").error()).isEqualTo(ApiError.UNACCEPTABLE_CREDENTIAL);
        assertThat(result.response().get("carol").error()).isEqualTo(ApiError.RESOURCE_NOT_FOUND);
        assertThat(result.response().get("dave").error()).isEqualTo(ApiError.UNSUPPORTED_SASL_MECHANISM);
        assertThat(result.response().get("weir-node-1").error()).isEqualTo(ApiError.UNACCEPTABLE_CREDENTIAL);
        assertThat(result.response().get("erin")).isEqualTo(ApiStatus.OK);
        assertThat(result.records()).singleElement().isInstanceOf(UserScramCredentialRecord.class)
                .extracting(r -> ((UserScramCredentialRecord) r).name()).isEqualTo("erin");
    }
}
