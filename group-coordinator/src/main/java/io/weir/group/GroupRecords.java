package io.weir.group;

import io.weir.group.consumer.ConsumerGroupRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.coordinator.group.generated.GroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.OffsetCommitKey;
import org.apache.kafka.coordinator.group.generated.OffsetCommitValue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The records of {@value OffsetsTopic#NAME} in Apache Kafka's own format, so the topic can be
 * compacted by key and read by Kafka's tools: a key is {@code recordType (int16) | key message},
 * a value {@code version (int16) | value message}, and a tombstone has no value (Kafka's
 * {@code CoordinatorRecordSerde}). The messages are Kafka's generated classes. Pure.
 *
 * <ul>
 *   <li>type 1, {@code OffsetCommitKey(group, topic, partition)} → {@code OffsetCommitValue} v3;</li>
 *   <li>type 2, {@code GroupMetadataKey(group)} → {@code GroupMetadataValue} v3 (a classic group's
 *       generation, protocol, leader and members with their subscriptions and assignments).</li>
 * </ul>
 *
 * <p>KIP-848 consumer groups' records (types 3 and 5–8) are {@link ConsumerGroupRecord}s, read by
 * {@link ConsumerGroupRecords}; records of other types (share and streams groups) are {@link Other}. Keys
 * written by Weir before it used Kafka's format ({@code groupId \0 topic \0 partition}, UTF-8,
 * never starting with a zero byte) are still read.
 */
final class GroupRecords {
    static final short OFFSET_COMMIT_TYPE = 1;
    static final short GROUP_METADATA_TYPE = 2;
    /** The version Kafka 4.x writes offsets with when they have no expire timestamp. */
    static final short OFFSET_COMMIT_VALUE_VERSION = 3;
    /** The version Kafka 4.x writes group metadata with. */
    static final short GROUP_METADATA_VALUE_VERSION = 3;

    /** What a record of the offsets topic says. */
    sealed interface Parsed permits Offset, Group, ConsumerGroupRecord, Other {
    }

    /** A committed offset, or its deletion ({@code offset} null). */
    record Offset(String groupId, TopicPartition partition, GroupCoordinator.CommittedOffset offset) implements Parsed {
    }

    /** A classic group's metadata, or its deletion ({@code value} null). */
    record Group(String groupId, GroupMetadataValue value) implements Parsed {
    }

    /**
     * A KIP-848 consumer group's record ({@link ConsumerGroupRecords}): its type, its key after the
     * type, and its value with the version (null for a tombstone).
     */
    record ConsumerGroupRecord(short type, ByteBuffer key, ByteBuffer value) implements Parsed {
    }

    /** A record of a kind this coordinator does not keep. */
    record Other(short type) implements Parsed {
    }

    private GroupRecords() {
    }

    static byte[] offsetKey(String groupId, TopicPartition tp) {
        return MessageUtil.toCoordinatorTypePrefixedBytes(
                new OffsetCommitKey().setGroup(groupId).setTopic(tp.topic()).setPartition(tp.partition()));
    }

    static byte[] offsetValue(GroupCoordinator.CommittedOffset offset, long commitTimestampMs) {
        return MessageUtil.toVersionPrefixedBytes(OFFSET_COMMIT_VALUE_VERSION, new OffsetCommitValue()
                .setOffset(offset.offset()).setLeaderEpoch(offset.leaderEpoch())
                .setMetadata(offset.metadata() == null ? "" : offset.metadata())
                .setCommitTimestamp(commitTimestampMs));
    }

    static byte[] groupKey(String groupId) {
        return MessageUtil.toCoordinatorTypePrefixedBytes(new GroupMetadataKey().setGroup(groupId));
    }

    static byte[] groupValue(GroupMetadataValue value) {
        return MessageUtil.toVersionPrefixedBytes(GROUP_METADATA_VALUE_VERSION, value);
    }

    /**
     * Reads one record; {@code value} is null for a tombstone.
     *
     * @throws RuntimeException when the record does not parse
     */
    static Parsed parse(ByteBuffer key, ByteBuffer value) {
        key = key.duplicate();
        if (key.remaining() > 0 && key.get(key.position()) != 0) return parseWeirV0(key, value);
        short type = key.getShort();
        switch (type) {
            case 0, OFFSET_COMMIT_TYPE -> {
                // Type 0 is the offset key Kafka wrote before 0.10; same fields.
                OffsetCommitKey k = read(new OffsetCommitKey(), key, (short) 0);
                TopicPartition tp = new TopicPartition(k.topic(), k.partition());
                if (value == null) return new Offset(k.group(), tp, null);
                ByteBuffer v = value.duplicate();
                short version = v.getShort();
                OffsetCommitValue o = read(new OffsetCommitValue(), v, version);
                return new Offset(k.group(), tp, new GroupCoordinator.CommittedOffset(o.offset(),
                        version >= 3 ? o.leaderEpoch() : RecordBatch.NO_PARTITION_LEADER_EPOCH, o.metadata()));
            }
            case GROUP_METADATA_TYPE -> {
                GroupMetadataKey k = read(new GroupMetadataKey(), key, (short) 0);
                if (value == null) return new Group(k.group(), null);
                ByteBuffer v = value.duplicate();
                short version = v.getShort();
                return new Group(k.group(), read(new GroupMetadataValue(), v, version));
            }
            default -> {
                if (ConsumerGroupRecords.isConsumerGroupType(type)) return new ConsumerGroupRecord(type, key, value);
                return new Other(type);
            }
        }
    }

    private static <T extends ApiMessage> T read(T message, ByteBuffer buffer, short version) {
        message.read(new ByteBufferAccessor(buffer), version);
        return message;
    }

    /** Weir's first format: key {@code groupId \0 topic \0 partition}; value {@code offset | leaderEpoch | metadata}. */
    private static Parsed parseWeirV0(ByteBuffer key, ByteBuffer value) {
        String[] parts = StandardCharsets.UTF_8.decode(key).toString().split("\u0000", 3);
        if (parts.length != 3) throw new IllegalArgumentException("not an offsets key");
        TopicPartition tp = new TopicPartition(parts[1], Integer.parseInt(parts[2]));
        if (value == null) return new Offset(parts[0], tp, null);
        ByteBuffer v = value.duplicate();
        long offset = v.getLong();
        int epoch = v.getInt();
        return new Offset(parts[0], tp,
                new GroupCoordinator.CommittedOffset(offset, epoch, StandardCharsets.UTF_8.decode(v).toString()));
    }
}
