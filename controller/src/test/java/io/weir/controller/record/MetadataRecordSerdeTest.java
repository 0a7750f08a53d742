package io.weir.controller.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MetadataRecordSerdeTest {
    private final MetadataRecordSerde serde = new MetadataRecordSerde();

    static List<MetadataRecord> oneOfEach() {
        UUID id = UUID.fromString("00000000-0000-0000-0000-000000000042");
        return List.of(
            new RegisterBrokerRecord(1, 10, UUID.randomUUID(),
                List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092, null)), "r1", true),
            new RegisterBrokerRecord(2, 11, UUID.randomUUID(), List.of(), null, false),
            new FenceBrokerRecord(1, 10),
            new UnfenceBrokerRecord(1, 10),
            new TopicRecord("orders", id),
            new PartitionRecord(id, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0),
            new PartitionChangeRecord(id, 0, 2, List.of(2), 1, 1),
            new PartitionChangeRecord(id, 0, null, List.of(1, 2), 1, 2),
            new ConfigRecord(ConfigResource.topic("orders"), "retention.ms", "1000"),
            new ConfigRecord(ConfigResource.topic("orders"), "retention.ms", null),
            new ProducerIdsRecord(1, 10, 1000),
            new BrokerEpochsRecord(12),
            new UserScramCredentialRecord("alice", "SCRAM-SHA-256", "c2FsdA==", "c3RvcmVk", "c2VydmVy", 8192),
            new RemoveUserScramCredentialRecord("alice", "SCRAM-SHA-256"),
            new RemoveTopicRecord(id),
            new UnregisterBrokerRecord(2, 11));
    }

    @Test
    void everyRecordTypeSurvivesARoundTrip() {
        List<MetadataRecord> records = oneOfEach();
        assertThat(serde.decode(serde.encode(records))).isEqualTo(records);
    }

    @Test
    void versionIsWrittenAndRead() {
        byte[] bytes = serde.encode(List.of(new TopicRecord("a", UUID.randomUUID())));
        TopicRecord back = (TopicRecord) serde.decode(bytes).get(0);
        assertThat(back.version()).isEqualTo(TopicRecord.CURRENT_VERSION);
    }

    @Test
    void garbageFailsLoudly() {
        assertThatThrownBy(() -> serde.decode("not cbor".getBytes(StandardCharsets.UTF_8)))
            .isInstanceOf(RuntimeException.class);
    }
}
