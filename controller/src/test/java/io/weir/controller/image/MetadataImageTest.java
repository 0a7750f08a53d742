package io.weir.controller.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.FenceBrokerRecord;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.record.RemoveTopicRecord;
import io.weir.controller.record.TopicRecord;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MetadataImageTest {
    private final UUID id = UUID.randomUUID();

    private MetadataImage base() {
        List<MetadataRecord> records = List.of(
            new RegisterBrokerRecord(1, 1, UUID.randomUUID(), List.of(), null, false),
            new RegisterBrokerRecord(2, 2, UUID.randomUUID(), List.of(), "b", false),
            new TopicRecord("t", id),
            new PartitionRecord(id, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0),
            new ConfigRecord(ConfigResource.topic("t"), "retention.ms", "5"));
        return MetadataImage.EMPTY.apply(7, records);
    }

    @Test
    void replayBuildsTheImageAndLeavesTheOldOneUntouched() {
        MetadataImage a = base();
        MetadataImage b = a.apply(8, List.of(new FenceBrokerRecord(2, 2),
            new PartitionChangeRecord(id, 0, 1, List.of(1), 0, 1)));
        assertThat(a.offset()).isEqualTo(7);
        assertThat(a.isLive(2)).isTrue();
        assertThat(b.isLive(2)).isFalse();
        assertThat(b.topic("t").orElseThrow().partition(0).isr()).containsExactly(1);
        assertThat(a.topic("t").orElseThrow().partition(0).isr()).containsExactly(1, 2);
        assertThat(b.configs(ConfigResource.topic("t"))).containsEntry("retention.ms", "5");
    }

    @Test
    void toRecordsRebuildsAnEqualImage() {
        MetadataImage a = base();
        assertThat(MetadataImage.fromRecords(a.offset(), a.toRecords())).isEqualTo(a);
    }

    @Test
    void theSnapshotFormatRoundTripsAndRejectsForeignBytes() {
        MetadataImageSerde serde = new MetadataImageSerde();
        MetadataImage a = base();
        assertThat(serde.decode(serde.encode(a))).isEqualTo(a);
        assertThatThrownBy(() -> serde.decode(new byte[] {1, 2, 3}))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> serde.decode(new byte[32]))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void removingATopicDropsItsConfigs() {
        MetadataImage b = base().apply(9, List.of(new RemoveTopicRecord(id)));
        assertThat(b.topic("t")).isEmpty();
        assertThat(b.configs()).isEmpty();
    }

    @Test
    void replayRejectsLeaderOutsideIsrAndEpochsGoingBackwards() {
        MetadataImage a = base();
        assertThatThrownBy(() -> a.apply(8, List.of(new PartitionChangeRecord(id, 0, 2,
            List.of(1), 1, 1)))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> a.apply(8, List.of(new PartitionChangeRecord(id, 0, null,
            List.of(1), 0, 0)))).isInstanceOf(IllegalStateException.class);
    }
}
