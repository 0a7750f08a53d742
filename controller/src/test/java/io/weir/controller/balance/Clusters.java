package io.weir.controller.balance;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.record.TopicRecord;
import io.weir.controller.record.UnfenceBrokerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Builds images with exact assignments, for balancer tests. */
final class Clusters {
    private final List<MetadataRecord> records = new ArrayList<>();
    private UUID topic;

    Clusters broker(int id, String rack, boolean live) {
        records.add(new RegisterBrokerRecord(RegisterBrokerRecord.CURRENT_VERSION, id, id,
            new UUID(0, id), List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9000 + id, null)),
            rack, true));
        if (live) {
            records.add(new UnfenceBrokerRecord(id, id));
        }
        return this;
    }

    Clusters topic(String name) {
        topic = UUID.nameUUIDFromBytes(name.getBytes());
        records.add(new TopicRecord(name, topic));
        return this;
    }

    /** A partition of the last topic, led by its first ISR member. */
    Clusters partition(int index, List<Integer> replicas, List<Integer> isr) {
        records.add(new PartitionRecord(PartitionRecord.CURRENT_VERSION, topic, index, replicas,
            isr, List.of(), List.of(), isr.isEmpty() ? PartitionRecord.NO_LEADER : isr.get(0), 0, 0));
        return this;
    }

    Clusters partition(int index, List<Integer> replicas) {
        return partition(index, replicas, replicas);
    }

    MetadataImage image() {
        return MetadataImage.fromRecords(records.size(), records);
    }
}
