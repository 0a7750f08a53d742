package io.weir.controller.image;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.record.AccessControlEntryRecord;
import io.weir.controller.record.BrokerEpochsRecord;
import io.weir.controller.record.RemoveAccessControlEntryRecord;
import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.FenceBrokerRecord;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.ProducerIdsRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.record.RemoveTopicRecord;
import io.weir.controller.record.TopicRecord;
import io.weir.controller.record.UnfenceBrokerRecord;
import io.weir.controller.record.UnregisterBrokerRecord;
import io.weir.controller.record.RemoveUserScramCredentialRecord;
import io.weir.controller.record.UserScramCredentialRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Mutable accumulator of replayed records on top of a base image. Replay is strict: a record
 * that does not fit the state (unknown topic, epochs going backwards, leader outside the ISR)
 * throws, because the controller validates every batch by replaying it before appending.
 * Not thread-safe; build an image to share.
 */
public final class MetadataDelta {
    private final Map<Integer, BrokerRegistration> brokers;
    private final Map<UUID, TopicImage> topicsById;
    private final Map<String, UUID> topicIdsByName;
    private final Map<ConfigResource, Map<String, String>> configs;
    private long nextProducerId;
    private long highestBrokerEpoch;
    private final Map<String, Map<String, UserScramCredentialRecord>> scramCredentials;
    private final Map<UUID, AclBinding> baseAcls;
    private Map<UUID, AclBinding> acls;
    /**
     * The partitions of topics this delta changed, copied from the base once per topic and then
     * changed in place: a batch of n partition records costs O(n), not the O(n^2) of copying a
     * topic's map per record. {@link #build} turns them into new {@link TopicImage}s.
     */
    private final Map<UUID, Map<Integer, PartitionRegistration>> changedPartitions = new HashMap<>();

    public MetadataDelta(MetadataImage base) {
        this.scramCredentials = new HashMap<>(base.scramCredentials());
        this.brokers = new HashMap<>(base.brokers());
        this.topicsById = new HashMap<>(base.topicsById());
        this.topicIdsByName = new HashMap<>(base.topicIdsByName());
        this.configs = new HashMap<>(base.configs());
        this.nextProducerId = base.nextProducerId();
        this.highestBrokerEpoch = base.highestBrokerEpoch();
        this.baseAcls = base.acls();
        this.acls = baseAcls;
    }

    public void replay(List<MetadataRecord> records) {
        for (MetadataRecord r : records) {
            replay(r);
        }
    }

    public void replay(MetadataRecord record) {
        if (record instanceof RegisterBrokerRecord r) {
            brokers.put(r.brokerId(), new BrokerRegistration(r.brokerId(), r.brokerEpoch(),
                r.incarnationId(), r.endpoints(), r.rack(), r.fenced()));
            highestBrokerEpoch = Math.max(highestBrokerEpoch, r.brokerEpoch());
        } else if (record instanceof UnregisterBrokerRecord r) {
            broker(r.brokerId(), r.brokerEpoch());
            brokers.remove(r.brokerId());
        } else if (record instanceof FenceBrokerRecord r) {
            brokers.put(r.brokerId(), broker(r.brokerId(), r.brokerEpoch()).withFenced(true));
        } else if (record instanceof UnfenceBrokerRecord r) {
            brokers.put(r.brokerId(), broker(r.brokerId(), r.brokerEpoch()).withFenced(false));
        } else if (record instanceof TopicRecord r) {
            if (topicIdsByName.containsKey(r.name()) || topicsById.containsKey(r.topicId())) {
                throw new IllegalStateException("topic exists: " + r);
            }
            topicIdsByName.put(r.name(), r.topicId());
            topicsById.put(r.topicId(), new TopicImage(r.name(), r.topicId(), Map.of()));
            changedPartitions.put(r.topicId(), new HashMap<>());
        } else if (record instanceof PartitionRecord r) {
            partitionsToChange(r.topicId()).put(r.partition(), PartitionRegistration.from(r));
        } else if (record instanceof PartitionChangeRecord r) {
            Map<Integer, PartitionRegistration> partitions = partitionsToChange(r.topicId());
            PartitionRegistration current = partitions.get(r.partition());
            if (current == null) {
                throw new IllegalStateException("unknown partition: " + r);
            }
            partitions.put(r.partition(), current.merge(r));
        } else if (record instanceof RemoveTopicRecord r) {
            TopicImage t = topic(r.topicId());
            topicsById.remove(t.id());
            changedPartitions.remove(t.id());
            topicIdsByName.remove(t.name());
            configs.remove(ConfigResource.topic(t.name()));
        } else if (record instanceof ConfigRecord r) {
            replayConfig(r);
        } else if (record instanceof ProducerIdsRecord r) {
            nextProducerId = Math.max(nextProducerId, r.nextProducerId());
        } else if (record instanceof BrokerEpochsRecord r) {
            highestBrokerEpoch = Math.max(highestBrokerEpoch, r.highestBrokerEpoch());
        } else if (record instanceof UserScramCredentialRecord r) {
            Map<String, UserScramCredentialRecord> user = new HashMap<>(scramCredentials.getOrDefault(r.name(), Map.of()));
            user.put(r.mechanism(), r);
            scramCredentials.put(r.name(), Map.copyOf(user));
        } else if (record instanceof RemoveUserScramCredentialRecord r) {
            Map<String, UserScramCredentialRecord> user = new HashMap<>(scramCredentials.getOrDefault(r.name(), Map.of()));
            if (user.remove(r.mechanism()) == null) {
                throw new IllegalStateException("no SCRAM credential to remove: " + r);
            }
            if (user.isEmpty()) scramCredentials.remove(r.name());
            else scramCredentials.put(r.name(), Map.copyOf(user));
        } else if (record instanceof AccessControlEntryRecord r) {
            if (mutableAcls().putIfAbsent(r.id(), r.acl()) != null) {
                throw new IllegalStateException("ACL id exists: " + r);
            }
        } else if (record instanceof RemoveAccessControlEntryRecord r) {
            if (mutableAcls().remove(r.id()) == null) {
                throw new IllegalStateException("no ACL to remove: " + r);
            }
        } else {
            throw new IllegalStateException("unhandled record type " + record);
        }
    }

    private void replayConfig(ConfigRecord r) {
        Map<String, String> current = new HashMap<>(configs.getOrDefault(r.resource(), Map.of()));
        if (r.value() == null) {
            current.remove(r.name());
        } else {
            current.put(r.name(), r.value());
        }
        if (current.isEmpty()) {
            configs.remove(r.resource());
        } else {
            configs.put(r.resource(), Map.copyOf(current));
        }
    }

    public MetadataImage build(long offset) {
        Map<UUID, TopicImage> topics = topicsById;
        if (!changedPartitions.isEmpty()) {
            topics = new HashMap<>(topicsById);
            for (Map.Entry<UUID, Map<Integer, PartitionRegistration>> e : changedPartitions.entrySet()) {
                TopicImage t = topics.get(e.getKey());
                topics.put(t.id(), new TopicImage(t.name(), t.id(), e.getValue()));
            }
        }
        return new MetadataImage(offset, brokers, topics, topicIdsByName, configs,
            nextProducerId, highestBrokerEpoch, scramCredentials, acls);
    }

    /** Copied on the first ACL change only, so an image whose ACLs did not change shares its base's map. */
    private Map<UUID, AclBinding> mutableAcls() {
        if (acls == baseAcls) acls = new HashMap<>(baseAcls);
        return acls;
    }

    private BrokerRegistration broker(int id, long epoch) {
        BrokerRegistration b = brokers.get(id);
        if (b == null || b.epoch() != epoch) {
            throw new IllegalStateException("no broker " + id + " at epoch " + epoch + ": " + b);
        }
        return b;
    }

    private TopicImage topic(UUID id) {
        TopicImage t = topicsById.get(id);
        if (t == null) {
            throw new IllegalStateException("unknown topic id " + id);
        }
        return t;
    }

    private Map<Integer, PartitionRegistration> partitionsToChange(UUID topicId) {
        TopicImage t = topic(topicId);
        return changedPartitions.computeIfAbsent(topicId, id -> new HashMap<>(t.partitions()));
    }
}
