package io.weir.broker.testing;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.record.TopicRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Builds metadata images the way the controller does: by replaying records. */
public final class Images {
    private final List<MetadataRecord> records = new ArrayList<>();
    private long offset;

    public Images broker(int id, int port) {
        records.add(new RegisterBrokerRecord(id, 1, new UUID(0, id),
                List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", port, "PLAINTEXT")), null, false));
        return this;
    }

    /** A topic whose partitions all lead on {@code leader} with RF=1. */
    public Images topic(String name, int partitions, int leader) {
        return topic(name, partitions, List.of(leader));
    }

    /** A topic whose partitions all have {@code replicas} (all in sync), led by the first. */
    public Images topic(String name, int partitions, List<Integer> replicas) {
        return topic(name, UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)), partitions, replicas);
    }

    /** A topic with an explicit id (to model a topic deleted and recreated under its name). */
    public Images topic(String name, UUID id, int partitions, List<Integer> replicas) {
        records.add(new TopicRecord(name, id));
        for (int p = 0; p < partitions; p++) {
            records.add(new PartitionRecord(id, p, replicas, replicas, replicas.get(0), 0, 0));
        }
        return this;
    }

    /** Moves leadership of one partition (and its leader and partition epochs to {@code epoch}). */
    public Images leader(String topic, int partition, int leader, int epoch) {
        UUID id = UUID.nameUUIDFromBytes(topic.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        records.add(new PartitionChangeRecord(id, partition, leader, null, epoch, epoch));
        return this;
    }

    public Images topicConfig(String topic, String key, String value) {
        records.add(new ConfigRecord(ConfigResource.topic(topic), key, value));
        return this;
    }

    /** The image of every record added so far, at a higher offset than the previous build. */
    public MetadataImage build() {
        return MetadataImage.fromRecords(++offset, records);
    }
}
