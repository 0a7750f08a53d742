package io.weir.group;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.coordinator.common.runtime.CoordinatorRecord;
import org.apache.kafka.coordinator.group.GroupCoordinatorRecordSerde;
import org.apache.kafka.coordinator.group.generated.GroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.OffsetCommitKey;
import org.apache.kafka.coordinator.group.generated.OffsetCommitValue;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The offsets topic's records are Kafka's, byte for byte: Kafka's own serde
 * ({@link GroupCoordinatorRecordSerde}) reads what Weir writes and Weir reads what Kafka writes,
 * so compaction by key and Kafka's tools work on the topic.
 */
class GroupRecordsTest {
    private static final GroupCoordinatorRecordSerde KAFKA = new GroupCoordinatorRecordSerde();
    private static final TopicPartition TP = new TopicPartition("orders", 3);

    @Test
    void kafkaReadsTheOffsetsWeirWrites() {
        CoordinatorRecord read = KAFKA.deserialize(
                ByteBuffer.wrap(GroupRecords.offsetKey("g", TP)),
                ByteBuffer.wrap(GroupRecords.offsetValue(new GroupCoordinator.CommittedOffset(42, 5, "meta"), 1234)));
        assertThat(read.key()).isEqualTo(new OffsetCommitKey().setGroup("g").setTopic("orders").setPartition(3));
        OffsetCommitValue value = (OffsetCommitValue) read.value().message();
        assertThat(read.value().version()).isEqualTo((short) 3);
        assertThat(value.offset()).isEqualTo(42);
        assertThat(value.leaderEpoch()).isEqualTo(5);
        assertThat(value.metadata()).isEqualTo("meta");
        assertThat(value.commitTimestamp()).isEqualTo(1234);
    }

    @Test
    void weirReadsTheOffsetsAndTombstonesKafkaWrites() {
        CoordinatorRecord commit = CoordinatorRecord.record(
                new OffsetCommitKey().setGroup("g").setTopic("orders").setPartition(3),
                new ApiMessageAndVersion(new OffsetCommitValue().setOffset(9).setLeaderEpoch(2).setMetadata("m")
                        .setCommitTimestamp(1), (short) 3));
        assertThat(GroupRecords.parse(ByteBuffer.wrap(KAFKA.serializeKey(commit)), ByteBuffer.wrap(KAFKA.serializeValue(commit))))
                .isEqualTo(new GroupRecords.Offset("g", TP, new GroupCoordinator.CommittedOffset(9, 2, "m")));

        CoordinatorRecord tombstone = CoordinatorRecord.tombstone(
                new OffsetCommitKey().setGroup("g").setTopic("orders").setPartition(3));
        assertThat(GroupRecords.parse(ByteBuffer.wrap(KAFKA.serializeKey(tombstone)), null))
                .isEqualTo(new GroupRecords.Offset("g", TP, null));
        assertThat(KAFKA.serializeKey(tombstone)).as("same key as a commit, so compaction drops the commit")
                .isEqualTo(GroupRecords.offsetKey("g", TP));
    }

    @Test
    void groupMetadataRoundTripsThroughKafkasSerde() {
        GroupMetadataValue value = new GroupMetadataValue().setProtocolType("consumer").setGeneration(4)
                .setProtocol("range").setLeader("m1").setCurrentStateTimestamp(-1).setMembers(List.of(
                        new GroupMetadataValue.MemberMetadata().setMemberId("m1").setGroupInstanceId("i1")
                                .setClientId("c").setClientHost("/127.0.0.1").setRebalanceTimeout(30_000)
                                .setSessionTimeout(10_000).setSubscription(bytes("sub")).setAssignment(bytes("asg"))));
        CoordinatorRecord read = KAFKA.deserialize(ByteBuffer.wrap(GroupRecords.groupKey("g")),
                ByteBuffer.wrap(GroupRecords.groupValue(value)));
        assertThat(read.key()).isEqualTo(new GroupMetadataKey().setGroup("g"));
        assertThat(read.value().message()).isEqualTo(value);

        CoordinatorRecord kafkas = CoordinatorRecord.record(new GroupMetadataKey().setGroup("g"),
                new ApiMessageAndVersion(value, (short) 3));
        assertThat(GroupRecords.parse(ByteBuffer.wrap(KAFKA.serializeKey(kafkas)), ByteBuffer.wrap(KAFKA.serializeValue(kafkas))))
                .isEqualTo(new GroupRecords.Group("g", value));
        assertThat(GroupRecords.parse(ByteBuffer.wrap(GroupRecords.groupKey("g")), null))
                .isEqualTo(new GroupRecords.Group("g", null));
    }

    @Test
    void consumerGroupRecordsAreHandedOnAndOtherGroupTypesReportedNotMisread() {
        CoordinatorRecord consumerGroup = CoordinatorRecord.tombstone(
                new org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataKey().setGroupId("g"));
        assertThat(GroupRecords.parse(ByteBuffer.wrap(KAFKA.serializeKey(consumerGroup)), null))
                .isInstanceOfSatisfying(GroupRecords.ConsumerGroupRecord.class, r -> {
                    assertThat(r.type()).isEqualTo((short) 3);
                    assertThat(r.value()).isNull();
                });
        CoordinatorRecord shareGroup = CoordinatorRecord.tombstone(
                new org.apache.kafka.coordinator.group.generated.ShareGroupMetadataKey().setGroupId("g"));
        assertThat(GroupRecords.parse(ByteBuffer.wrap(KAFKA.serializeKey(shareGroup)), null))
                .isInstanceOf(GroupRecords.Other.class);
    }

    @Test
    void offsetsWrittenInWeirsFirstFormatAreStillRead() {
        ByteBuffer key = ByteBuffer.wrap("g\u0000orders\u00003".getBytes(StandardCharsets.UTF_8));
        ByteBuffer value = ByteBuffer.allocate(12 + 4).putLong(7).putInt(1).put(bytes("meta")).flip();
        assertThat(GroupRecords.parse(key, value))
                .isEqualTo(new GroupRecords.Offset("g", TP, new GroupCoordinator.CommittedOffset(7, 1, "meta")));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
