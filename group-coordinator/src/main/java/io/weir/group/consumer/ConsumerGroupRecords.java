package io.weir.group.consumer;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMemberKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMemberValue;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMetadataKey;
import org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMetadataValue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A KIP-848 consumer group's records in {@code __consumer_offsets}, in Kafka's format (its
 * generated {@code ConsumerGroup*} key and value classes, value version 0, as Kafka 4.x writes
 * them): the group's epoch ({@code ConsumerGroupMetadata}, type 3), each member's subscription
 * ({@code ConsumerGroupMemberMetadata}, 5), the target assignment's epoch
 * ({@code ConsumerGroupTargetAssignmentMetadata}, 6) and each member's target
 * ({@code ConsumerGroupTargetAssignmentMember}, 7), and each member's current assignment with its
 * epochs and state ({@code ConsumerGroupCurrentMemberAssignment}, 8). Pure.
 *
 * <p>A group's state is written as the difference between two snapshots ({@link #diff}): changed
 * records, and tombstones for keys that are gone. A load replays them into {@link Loaded}.
 */
public final class ConsumerGroupRecords {
    static final short VALUE_VERSION = 0;
    static final short METADATA = new ConsumerGroupMetadataKey().apiKey();
    static final short MEMBER_METADATA = new ConsumerGroupMemberMetadataKey().apiKey();
    static final short TARGET_METADATA = new ConsumerGroupTargetAssignmentMetadataKey().apiKey();
    static final short TARGET_MEMBER = new ConsumerGroupTargetAssignmentMemberKey().apiKey();
    static final short CURRENT_ASSIGNMENT = new ConsumerGroupCurrentMemberAssignmentKey().apiKey();

    /** One record to write: its key, and its value or null for a tombstone. */
    public record Write(byte[] key, byte[] value) {
    }

    /** What a partition's records say about one group, replayed in log order. */
    public static final class Loaded {
        int groupEpoch = -1;
        int targetEpoch;
        final Map<String, ConsumerGroupMemberMetadataValue> members = new LinkedHashMap<>();
        final Map<String, ConsumerGroupTargetAssignmentMemberValue> targets = new HashMap<>();
        final Map<String, ConsumerGroupCurrentMemberAssignmentValue> current = new HashMap<>();

        /** Whether the group's metadata record is there (else the group was deleted, or never written). */
        public boolean exists() {
            return groupEpoch >= 0;
        }
    }

    private ConsumerGroupRecords() {
    }

    /** Whether a record of this type is a consumer group's (as this class reads them). */
    public static boolean isConsumerGroupType(short type) {
        return type == METADATA || type == MEMBER_METADATA || type == TARGET_METADATA || type == TARGET_MEMBER
                || type == CURRENT_ASSIGNMENT;
    }

    /**
     * Replays one record of a consumer-group type into {@code groups} (by group id).
     *
     * @param key the key without its type prefix
     * @param value the value with its version prefix, or null for a tombstone
     * @return the group id
     */
    public static String apply(short type, ByteBuffer key, ByteBuffer value, Map<String, Loaded> groups) {
        if (type == METADATA) {
            ConsumerGroupMetadataKey k = read(new ConsumerGroupMetadataKey(), key, (short) 0);
            Loaded g = groups.computeIfAbsent(k.groupId(), id -> new Loaded());
            if (value == null) {
                groups.remove(k.groupId());
            } else {
                g.groupEpoch = readValue(new ConsumerGroupMetadataValue(), value).epoch();
            }
            return k.groupId();
        }
        if (type == TARGET_METADATA) {
            ConsumerGroupTargetAssignmentMetadataKey k = read(new ConsumerGroupTargetAssignmentMetadataKey(), key, (short) 0);
            Loaded g = groups.computeIfAbsent(k.groupId(), id -> new Loaded());
            g.targetEpoch = value == null ? 0 : readValue(new ConsumerGroupTargetAssignmentMetadataValue(), value).assignmentEpoch();
            return k.groupId();
        }
        if (type == MEMBER_METADATA) {
            ConsumerGroupMemberMetadataKey k = read(new ConsumerGroupMemberMetadataKey(), key, (short) 0);
            Loaded g = groups.computeIfAbsent(k.groupId(), id -> new Loaded());
            if (value == null) g.members.remove(k.memberId());
            else g.members.put(k.memberId(), readValue(new ConsumerGroupMemberMetadataValue(), value));
            return k.groupId();
        }
        if (type == TARGET_MEMBER) {
            ConsumerGroupTargetAssignmentMemberKey k = read(new ConsumerGroupTargetAssignmentMemberKey(), key, (short) 0);
            Loaded g = groups.computeIfAbsent(k.groupId(), id -> new Loaded());
            if (value == null) g.targets.remove(k.memberId());
            else g.targets.put(k.memberId(), readValue(new ConsumerGroupTargetAssignmentMemberValue(), value));
            return k.groupId();
        }
        if (type == CURRENT_ASSIGNMENT) {
            ConsumerGroupCurrentMemberAssignmentKey k = read(new ConsumerGroupCurrentMemberAssignmentKey(), key, (short) 0);
            Loaded g = groups.computeIfAbsent(k.groupId(), id -> new Loaded());
            if (value == null) g.current.remove(k.memberId());
            else g.current.put(k.memberId(), readValue(new ConsumerGroupCurrentMemberAssignmentValue(), value));
            return k.groupId();
        }
        throw new IllegalArgumentException("not a consumer group record type: " + type);
    }

    /** The records that turn {@code previous} into {@code next}: changed values, and tombstones for keys gone. */
    public static List<Write> diff(Map<ByteBuffer, byte[]> previous, Map<ByteBuffer, byte[]> next) {
        List<Write> out = new ArrayList<>();
        next.forEach((key, value) -> {
            byte[] before = previous.get(key);
            if (before == null || !java.util.Arrays.equals(before, value)) out.add(new Write(bytes(key), value));
        });
        previous.keySet().forEach(key -> {
            if (!next.containsKey(key)) out.add(new Write(bytes(key), null));
        });
        return out;
    }

    private static byte[] bytes(ByteBuffer key) {
        byte[] out = new byte[key.remaining()];
        key.duplicate().get(out);
        return out;
    }

    static void put(Map<ByteBuffer, byte[]> out, ApiMessage key, ApiMessage value) {
        out.put(ByteBuffer.wrap(MessageUtil.toCoordinatorTypePrefixedBytes(key)),
                MessageUtil.toVersionPrefixedBytes(VALUE_VERSION, value));
    }

    static List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> current(Collection<TopicIdPartition> partitions) {
        List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> out = new ArrayList<>();
        byTopic(partitions).forEach((id, ps) -> out.add(new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions()
                .setTopicId(id).setPartitions(ps)));
        return out;
    }

    static List<ConsumerGroupTargetAssignmentMemberValue.TopicPartition> target(Collection<TopicIdPartition> partitions) {
        List<ConsumerGroupTargetAssignmentMemberValue.TopicPartition> out = new ArrayList<>();
        byTopic(partitions).forEach((id, ps) -> out.add(new ConsumerGroupTargetAssignmentMemberValue.TopicPartition()
                .setTopicId(id).setPartitions(ps)));
        return out;
    }

    static SortedSet<TopicIdPartition> fromCurrent(List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> topics) {
        SortedSet<TopicIdPartition> out = new TreeSet<>();
        topics.forEach(t -> t.partitions().forEach(p -> out.add(new TopicIdPartition(t.topicId(), p))));
        return out;
    }

    static SortedSet<TopicIdPartition> fromTarget(List<ConsumerGroupTargetAssignmentMemberValue.TopicPartition> topics) {
        SortedSet<TopicIdPartition> out = new TreeSet<>();
        topics.forEach(t -> t.partitions().forEach(p -> out.add(new TopicIdPartition(t.topicId(), p))));
        return out;
    }

    private static Map<Uuid, List<Integer>> byTopic(Collection<TopicIdPartition> partitions) {
        Map<Uuid, List<Integer>> out = new TreeMap<>();
        partitions.forEach(tp -> out.computeIfAbsent(tp.topicId(), t -> new ArrayList<>()).add(tp.partition()));
        return out;
    }

    private static <T extends ApiMessage> T read(T message, ByteBuffer buffer, short version) {
        message.read(new ByteBufferAccessor(buffer.duplicate()), version);
        return message;
    }

    private static <T extends ApiMessage> T readValue(T message, ByteBuffer value) {
        ByteBuffer v = value.duplicate();
        short version = v.getShort();
        return read(message, v, version);
    }
}
