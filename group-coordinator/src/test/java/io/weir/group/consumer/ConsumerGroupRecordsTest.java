package io.weir.group.consumer;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.coordinator.common.runtime.CoordinatorRecord;
import org.apache.kafka.coordinator.group.GroupCoordinatorRecordSerde;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataValue;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A KIP-848 group's records: Kafka's own serde reads them, and a group restored from them (as a
 * new coordinator does) has the same epochs, members and assignments, writes the same records,
 * and its members carry on at their epochs.
 */
class ConsumerGroupRecordsTest {
    private static final Uuid WORK = new Uuid(1, 1);
    private static final Map<String, ConsumerGroup.Topic> TOPICS = Map.of("work", new ConsumerGroup.Topic(WORK, "work", 4));
    private int ids;

    private ConsumerGroup newGroup() {
        return new ConsumerGroup("g", List.of(new UniformAssignor(), new RangeAssignor()), UniformAssignor.NAME,
                45_000, 5_000, () -> "m" + ++ids);
    }

    private static ConsumerGroupHeartbeatResponseData heartbeat(ConsumerGroup group, String memberId, int epoch,
                                                                Set<Integer> owned, long nowMs) {
        return group.heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId)
                        .setMemberEpoch(epoch)
                        .setRebalanceTimeoutMs(epoch == 0 ? 30_000 : -1)
                        .setSubscribedTopicNames(epoch == 0 ? List.of("work") : null)
                        .setTopicPartitions(List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                                .setTopicId(WORK).setPartitions(new ArrayList<>(owned)))),
                "client", "/127.0.0.1", nowMs, n -> Optional.ofNullable(TOPICS.get(n)), () -> TOPICS.keySet());
    }

    private static Set<Integer> partitions(ConsumerGroupHeartbeatResponseData out) {
        Set<Integer> owned = new HashSet<>();
        out.assignment().topicPartitions().forEach(t -> owned.addAll(t.partitions()));
        return owned;
    }

    private static Map<String, ConsumerGroupRecords.Loaded> replay(Map<ByteBuffer, byte[]> records) {
        Map<String, ConsumerGroupRecords.Loaded> loaded = new HashMap<>();
        records.forEach((key, value) -> {
            ByteBuffer k = key.duplicate();
            short type = k.getShort();
            ConsumerGroupRecords.apply(type, k, value == null ? null : ByteBuffer.wrap(value), loaded);
        });
        return loaded;
    }

    /** Records by key as text, comparable by content. */
    private static Map<String, String> readable(Map<ByteBuffer, byte[]> records) {
        Map<String, String> out = new java.util.TreeMap<>();
        records.forEach((k, v) -> out.put(java.util.HexFormat.of().formatHex(ConsumerGroupRecords.diff(Map.of(), Map.of(k, v))
                .get(0).key()), v == null ? "tombstone" : java.util.HexFormat.of().formatHex(v)));
        return out;
    }

    @Test
    void aRestoredGroupWritesTheSameRecordsAndItsMembersCarryOn() {
        ConsumerGroup group = newGroup();
        ConsumerGroupHeartbeatResponseData a = heartbeat(group, "", 0, Set.of(), 0);
        Set<Integer> aOwned = partitions(a);
        ConsumerGroupHeartbeatResponseData b = heartbeat(group, "", 0, Set.of(), 10);
        // a is told to give up half, then b takes it: the group is mid-rebalance, then Stable.
        ConsumerGroupHeartbeatResponseData a2 = heartbeat(group, a.memberId(), a.memberEpoch(), aOwned, 20);
        aOwned = partitions(a2);
        ConsumerGroupHeartbeatResponseData a3 = heartbeat(group, a.memberId(), a2.memberEpoch(), aOwned, 30);
        ConsumerGroupHeartbeatResponseData b2 = heartbeat(group, b.memberId(), b.memberEpoch(), Set.of(), 40);
        assertThat(group.state()).isEqualTo(ConsumerGroup.State.STABLE);

        Map<ByteBuffer, byte[]> records = group.records();
        ConsumerGroup restored = newGroup();
        restored.restore(replay(records).get("g"), 1_000, n -> Optional.ofNullable(TOPICS.get(n)), () -> TOPICS.keySet());
        assertThat(readable(restored.records())).isEqualTo(readable(records));
        assertThat(restored.groupEpoch()).isEqualTo(group.groupEpoch());
        assertThat(restored.state()).isEqualTo(ConsumerGroup.State.STABLE);

        // Both members heartbeat the new coordinator with their epochs: accepted, nothing moves, no new epoch.
        int epoch = restored.groupEpoch();
        ConsumerGroupHeartbeatResponseData a4 = heartbeat(restored, a.memberId(), a3.memberEpoch(), aOwned, 1_100);
        ConsumerGroupHeartbeatResponseData b3 = heartbeat(restored, b.memberId(), b2.memberEpoch(), partitions(b2), 1_100);
        assertThat(Errors.forCode(a4.errorCode())).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(b3.errorCode())).isEqualTo(Errors.NONE);
        assertThat(a4.memberEpoch()).isEqualTo(a3.memberEpoch());
        assertThat(b3.memberEpoch()).isEqualTo(b2.memberEpoch());
        assertThat(restored.groupEpoch()).isEqualTo(epoch);
        assertThat(readable(restored.records())).isEqualTo(readable(records));
    }

    @Test
    void theDiffWritesWhatChangedAndTombstonesWhatWentAndKafkaReadsIt() {
        ConsumerGroup group = newGroup();
        ConsumerGroupHeartbeatResponseData a = heartbeat(group, "", 0, Set.of(), 0);
        Map<ByteBuffer, byte[]> first = group.records();
        assertThat(ConsumerGroupRecords.diff(Map.of(), first)).hasSize(first.size());
        assertThat(ConsumerGroupRecords.diff(first, group.records())).isEmpty();

        GroupCoordinatorRecordSerde kafka = new GroupCoordinatorRecordSerde();
        for (ConsumerGroupRecords.Write w : ConsumerGroupRecords.diff(Map.of(), first)) {
            CoordinatorRecord read = kafka.deserialize(ByteBuffer.wrap(w.key()), ByteBuffer.wrap(w.value()));
            if (read.key() instanceof ConsumerGroupCurrentMemberAssignmentKey k) {
                assertThat(k.memberId()).isEqualTo(a.memberId());
                ConsumerGroupCurrentMemberAssignmentValue v = (ConsumerGroupCurrentMemberAssignmentValue) read.value().message();
                assertThat(v.memberEpoch()).isEqualTo(a.memberEpoch());
                assertThat(v.assignedPartitions().get(0).partitions()).containsExactlyInAnyOrder(0, 1, 2, 3);
            }
            if (read.value().message() instanceof ConsumerGroupMetadataValue v) assertThat(v.epoch()).isEqualTo(1);
        }

        group.heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(a.memberId())
                .setMemberEpoch(ConsumerGroup.LEAVE_EPOCH), "client", "/h", 10, n -> Optional.empty());
        List<ConsumerGroupRecords.Write> left = ConsumerGroupRecords.diff(first, group.records());
        // The member's metadata, target and current assignment go; the group and target epochs change.
        assertThat(left.stream().filter(w -> w.value() == null)).hasSize(3);
        Map<String, ConsumerGroupRecords.Loaded> replayed = replay(first);
        left.forEach(w -> {
            ByteBuffer k = ByteBuffer.wrap(w.key());
            short type = k.getShort();
            ConsumerGroupRecords.apply(type, k, w.value() == null ? null : ByteBuffer.wrap(w.value()), replayed);
        });
        ConsumerGroup restored = newGroup();
        restored.restore(replayed.get("g"), 20, n -> Optional.ofNullable(TOPICS.get(n)), () -> TOPICS.keySet());
        assertThat(restored.isEmpty()).isTrue();
        assertThat(restored.groupEpoch()).isEqualTo(group.groupEpoch());
        assertThat(readable(restored.records())).isEqualTo(readable(group.records()));
    }
}
