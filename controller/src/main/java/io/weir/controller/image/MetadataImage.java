package io.weir.controller.image;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.record.AccessControlEntryRecord;
import io.weir.controller.record.BrokerEpochsRecord;
import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.ProducerIdsRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.record.TopicRecord;
import io.weir.controller.record.UserScramCredentialRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The cluster metadata after replaying the log up to {@link #offset()}. Immutable: readers on
 * any thread share an instance without locks; a change makes a new image through
 * {@link #apply(long, List)} (or a {@link MetadataDelta} for many batches).
 *
 * @param offset metadata offset of the last batch replayed, -1 for the empty image
 * @param nextProducerId first producer id not yet handed to any broker
 * @param highestBrokerEpoch the highest broker epoch ever registered (also of brokers that
 *     have since unregistered), so new epochs are always above it
 * @param acls the access control entries by id
 */
public record MetadataImage(long offset, Map<Integer, BrokerRegistration> brokers,
                            Map<UUID, TopicImage> topicsById, Map<String, UUID> topicIdsByName,
                            Map<ConfigResource, Map<String, String>> configs,
                            long nextProducerId, long highestBrokerEpoch,
                            Map<String, Map<String, UserScramCredentialRecord>> scramCredentials,
                            Map<UUID, AclBinding> acls) {
    public static final MetadataImage EMPTY =
        new MetadataImage(-1, Map.of(), Map.of(), Map.of(), Map.of(), 0, 0, Map.of(), Map.of());

    public MetadataImage {
        brokers = Map.copyOf(brokers);
        topicsById = Map.copyOf(topicsById);
        topicIdsByName = Map.copyOf(topicIdsByName);
        configs = Map.copyOf(configs);
        scramCredentials = Map.copyOf(scramCredentials);
        acls = Map.copyOf(acls);
    }

    /** A new image with {@code records} (one committed batch at {@code newOffset}) replayed. */
    public MetadataImage apply(long newOffset, List<MetadataRecord> records) {
        MetadataDelta delta = new MetadataDelta(this);
        delta.replay(records);
        return delta.build(newOffset);
    }

    /** The same image at another offset (a batch that replayed to nothing). */
    public MetadataImage withOffset(long newOffset) {
        return new MetadataImage(newOffset, brokers, topicsById, topicIdsByName, configs,
            nextProducerId, highestBrokerEpoch, scramCredentials, acls);
    }

    /** Rebuilds an image from {@link #toRecords()} output (used by snapshot loading). */
    public static MetadataImage fromRecords(long offset, List<MetadataRecord> records) {
        return EMPTY.apply(offset, records);
    }

    public Optional<BrokerRegistration> broker(int id) {
        return Optional.ofNullable(brokers.get(id));
    }

    public Optional<TopicImage> topic(String name) {
        UUID id = topicIdsByName.get(name);
        return id == null ? Optional.empty() : Optional.of(topicsById.get(id));
    }

    public Optional<TopicImage> topic(UUID id) {
        return Optional.ofNullable(topicsById.get(id));
    }

    /** True when the broker is registered and not fenced. */
    public boolean isLive(int brokerId) {
        BrokerRegistration b = brokers.get(brokerId);
        return b != null && !b.fenced();
    }

    /** Registered, unfenced brokers ordered by id. */
    public List<BrokerRegistration> liveBrokers() {
        return brokers.values().stream().filter(b -> !b.fenced())
            .sorted(Comparator.comparingInt(BrokerRegistration::id)).toList();
    }

    /** A user's SCRAM credentials by mechanism (empty when it has none). */
    public Map<String, UserScramCredentialRecord> scramCredentials(String user) {
        return scramCredentials.getOrDefault(user, Map.of());
    }

    /** Explicitly set configs of a resource (defaults not included). */
    public Map<String, String> configs(ConfigResource resource) {
        return configs.getOrDefault(resource, Map.of());
    }

    /** Every resource of {@code type} that has configs set, with them. */
    public Map<ConfigResource, Map<String, String>> configsOfType(ConfigResource.Type type) {
        Map<ConfigResource, Map<String, String>> out = new java.util.HashMap<>();
        configs.forEach((resource, values) -> {
            if (resource.type() == type) out.put(resource, values);
        });
        return out;
    }

    /**
     * The records that rebuild this image from empty, in a deterministic order: brokers, then
     * topics each followed by its partitions, then configs, producer ids, broker epochs, SCRAM
     * credentials and ACLs. Snapshots (and {@code weir metadata export}) store this list.
     */
    public List<MetadataRecord> toRecords() {
        List<MetadataRecord> out = new ArrayList<>();
        brokers.values().stream().sorted(Comparator.comparingInt(BrokerRegistration::id))
            .forEach(b -> out.add(new RegisterBrokerRecord(b.id(), b.epoch(), b.incarnationId(),
                b.endpoints(), b.rack(), b.fenced())));
        topicsById.values().stream().sorted(Comparator.comparing(TopicImage::name)).forEach(t -> {
            out.add(new TopicRecord(t.name(), t.id()));
            t.partitions().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(p -> out.add(p.getValue().toRecord(t.id(), p.getKey())));
        });
        configs.entrySet().stream()
            .sorted(Comparator.comparing((Map.Entry<ConfigResource, Map<String, String>> e) ->
                e.getKey().type()).thenComparing(e -> e.getKey().name()))
            .forEach(e -> e.getValue().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(kv -> out.add(new ConfigRecord(e.getKey(), kv.getKey(), kv.getValue()))));
        if (nextProducerId > 0) {
            out.add(new ProducerIdsRecord(-1, -1, nextProducerId));
        }
        if (highestBrokerEpoch > 0) {
            out.add(new BrokerEpochsRecord(highestBrokerEpoch));
        }
        scramCredentials.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .forEach(u -> u.getValue().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(m -> out.add(m.getValue())));
        acls.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .forEach(a -> out.add(new AccessControlEntryRecord(a.getKey(), a.getValue())));
        return out;
    }
}
