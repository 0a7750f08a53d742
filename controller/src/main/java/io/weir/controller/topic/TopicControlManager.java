package io.weir.controller.topic;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerConfig;
import io.weir.controller.ControllerResult;
import io.weir.controller.config.TopicConfigs;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.TopicImage;
import io.weir.controller.partition.LeaderElection;
import io.weir.controller.placement.ReplicaPlacer;
import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.RemoveTopicRecord;
import io.weir.controller.record.TopicRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * CreateTopics, DeleteTopics and CreatePartitions. Each topic in a request succeeds or fails
 * on its own; a failed topic writes nothing.
 */
public final class TopicControlManager {
    private final ControllerConfig config;
    private final Supplier<UUID> topicIds;
    private final ReplicaPlacer placer = new ReplicaPlacer();

    /** @param topicIds source of new topic ids (random in production, seeded in tests) */
    public TopicControlManager(ControllerConfig config, Supplier<UUID> topicIds) {
        this.config = config;
        this.topicIds = topicIds;
    }

    public ControllerResult<List<CreateTopicResult>> createTopics(MetadataImage image,
                                                                  List<CreatableTopic> topics,
                                                                  boolean validateOnly) {
        List<MetadataRecord> records = new ArrayList<>();
        List<CreateTopicResult> results = new ArrayList<>();
        Batch batch = new Batch(image);
        Set<String> seen = new HashSet<>();
        for (CreatableTopic t : topics) {
            if (!seen.add(t.name())) {
                results.add(CreateTopicResult.error(t.name(), ApiStatus.of(ApiError.INVALID_REQUEST,
                    "topic " + t.name() + " appears twice in the request")));
                continue;
            }
            List<MetadataRecord> topicRecords = new ArrayList<>();
            CreateTopicResult result = createTopic(image, batch, t, topicRecords);
            results.add(result);
            if (result.status().isOk() && !validateOnly) {
                records.addAll(topicRecords);
                // Later topics of the same request must see this one (names, ids, broker load).
                batch.created(t.name(), result.topicId());
            }
        }
        return ControllerResult.of(records, results);
    }

    /**
     * What earlier topics of one request changed, so that creating n topics costs one pass
     * over the image instead of n.
     */
    private final class Batch {
        final Map<String, String> collisionKeys = new HashMap<>();
        final Set<UUID> ids = new HashSet<>();
        // Validate-only topics count here too; that only skews their own placement preview.
        final ReplicaPlacer.Loads loads;

        Batch(MetadataImage image) {
            image.topicIdsByName().keySet()
                .forEach(n -> collisionKeys.put(TopicNames.collisionKey(n), n));
            ids.addAll(image.topicsById().keySet());
            loads = placer.loads(image);
        }

        void created(String name, UUID id) {
            collisionKeys.put(TopicNames.collisionKey(name), name);
            ids.add(id);
        }

    }

    private CreateTopicResult createTopic(MetadataImage image, Batch batch, CreatableTopic t,
                                          List<MetadataRecord> out) {
        Optional<String> badName = TopicNames.validate(t.name());
        if (badName.isPresent()) {
            return CreateTopicResult.error(t.name(),
                ApiStatus.of(ApiError.INVALID_TOPIC_EXCEPTION, badName.get()));
        }
        String existing = batch.collisionKeys.get(TopicNames.collisionKey(t.name()));
        if (t.name().equals(existing)) {
            return CreateTopicResult.error(t.name(), ApiStatus.of(ApiError.TOPIC_ALREADY_EXISTS,
                "topic " + t.name() + " already exists"));
        }
        if (existing != null) {
            return CreateTopicResult.error(t.name(), ApiStatus.of(ApiError.INVALID_TOPIC_EXCEPTION,
                "topic " + t.name() + " collides with existing topic " + existing));
        }
        Optional<String> badConfig = TopicConfigs.validate(t.configs());
        if (badConfig.isPresent()) {
            return CreateTopicResult.error(t.name(), ApiStatus.of(ApiError.INVALID_CONFIG,
                badConfig.get()));
        }
        List<List<Integer>> assignment;
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                return CreateTopicResult.error(t.name(), ApiStatus.of(ApiError.INVALID_REQUEST,
                    "numPartitions and replicationFactor must be -1 with explicit assignments"));
            }
            Map<Integer, List<Integer>> sorted = new TreeMap<>(t.assignments());
            assignment = new ArrayList<>(sorted.values());
            Optional<ApiStatus> bad = validateAssignment(image, sorted);
            if (bad.isPresent()) {
                return CreateTopicResult.error(t.name(), bad.get());
            }
        } else {
            int partitions = t.numPartitions() == -1 ? config.defaultNumPartitions() : t.numPartitions();
            int rf = t.replicationFactor() == -1 ? config.defaultReplicationFactor()
                : t.replicationFactor();
            if (partitions <= 0) {
                return CreateTopicResult.error(t.name(), ApiStatus.of(ApiError.INVALID_PARTITIONS,
                    "number of partitions must be positive, was " + partitions));
            }
            if (partitions > config.maxRecordsPerBatch() / 2) {
                return CreateTopicResult.error(t.name(), ApiStatus.of(ApiError.INVALID_PARTITIONS,
                    "at most " + config.maxRecordsPerBatch() / 2 + " partitions per request"));
            }
            if (rf <= 0) {
                return CreateTopicResult.error(t.name(), ApiStatus.of(
                    ApiError.INVALID_REPLICATION_FACTOR, "replication factor must be positive"));
            }
            int live = image.liveBrokers().size();
            if (rf > live) {
                return CreateTopicResult.error(t.name(), ApiStatus.of(
                    ApiError.INVALID_REPLICATION_FACTOR, "replication factor " + rf
                        + " exceeds the " + live + " available brokers"));
            }
            assignment = placer.place(image, batch.loads, 0, partitions, rf);
        }
        UUID id = newTopicId(batch.ids);
        out.add(new TopicRecord(t.name(), id));
        for (int i = 0; i < assignment.size(); i++) {
            out.add(newPartition(image, id, i, assignment.get(i)));
        }
        ConfigResource resource = ConfigResource.topic(t.name());
        new TreeMap<>(t.configs()).forEach((k, v) -> out.add(new ConfigRecord(resource, k, v)));
        return new CreateTopicResult(t.name(), id, ApiStatus.OK, assignment.size(),
            assignment.get(0).size(), t.configs());
    }

    public ControllerResult<Map<String, ApiStatus>> deleteTopics(MetadataImage image,
                                                                 List<String> names) {
        List<MetadataRecord> records = new ArrayList<>();
        Map<String, ApiStatus> results = new LinkedHashMap<>();
        for (String name : names) {
            Optional<TopicImage> t = image.topic(name);
            if (t.isEmpty()) {
                results.put(name, ApiStatus.of(ApiError.UNKNOWN_TOPIC_OR_PARTITION,
                    "unknown topic " + name));
            } else if (results.putIfAbsent(name, ApiStatus.OK) == null) {
                records.add(new RemoveTopicRecord(t.get().id()));
            }
        }
        return ControllerResult.of(records, results);
    }

    /** Deletes by topic id (DeleteTopics v6+); UNKNOWN_TOPIC_ID when absent. */
    public ControllerResult<Map<UUID, ApiStatus>> deleteTopicsById(MetadataImage image,
                                                                   List<UUID> ids) {
        List<MetadataRecord> records = new ArrayList<>();
        Map<UUID, ApiStatus> results = new LinkedHashMap<>();
        for (UUID id : ids) {
            if (image.topic(id).isEmpty()) {
                results.put(id, ApiStatus.of(ApiError.UNKNOWN_TOPIC_ID, "unknown topic id " + id));
            } else if (results.putIfAbsent(id, ApiStatus.OK) == null) {
                records.add(new RemoveTopicRecord(id));
            }
        }
        return ControllerResult.of(records, results);
    }

    public ControllerResult<Map<String, ApiStatus>> createPartitions(
        MetadataImage image, List<CreatePartitionsRequest> requests, boolean validateOnly) {
        List<MetadataRecord> records = new ArrayList<>();
        Map<String, ApiStatus> results = new LinkedHashMap<>();
        MetadataImage working = image;
        for (CreatePartitionsRequest r : requests) {
            List<MetadataRecord> topicRecords = new ArrayList<>();
            ApiStatus status = createPartitions(working, r, topicRecords);
            results.put(r.topic(), status);
            if (status.isOk() && !validateOnly) {
                records.addAll(topicRecords);
                working = working.apply(working.offset(), topicRecords);
            }
        }
        return ControllerResult.of(records, results);
    }

    private ApiStatus createPartitions(MetadataImage image, CreatePartitionsRequest r,
                                       List<MetadataRecord> out) {
        Optional<TopicImage> topic = image.topic(r.topic());
        if (topic.isEmpty()) {
            return ApiStatus.of(ApiError.UNKNOWN_TOPIC_OR_PARTITION, "unknown topic " + r.topic());
        }
        TopicImage t = topic.get();
        int current = t.partitionCount();
        int added = r.totalCount() - current;
        if (added <= 0) {
            return ApiStatus.of(ApiError.INVALID_PARTITIONS, "topic " + r.topic() + " has "
                + current + " partitions; the new count must be larger, was " + r.totalCount());
        }
        if (added > config.maxRecordsPerBatch() / 2) {
            return ApiStatus.of(ApiError.INVALID_PARTITIONS,
                "at most " + config.maxRecordsPerBatch() / 2 + " partitions per request");
        }
        // The target size: a partition being reassigned temporarily has extra replicas.
        int rf = t.partition(0).targetReplicas().size();
        List<List<Integer>> assignment;
        if (!r.assignments().isEmpty()) {
            if (r.assignments().size() != added) {
                return ApiStatus.of(ApiError.INVALID_REPLICA_ASSIGNMENT, "expected " + added
                    + " assignments, got " + r.assignments().size());
            }
            Map<Integer, List<Integer>> byIndex = new TreeMap<>();
            for (int i = 0; i < added; i++) {
                byIndex.put(current + i, r.assignments().get(i));
            }
            Optional<ApiStatus> bad = validateAssignment(image, byIndex);
            if (bad.isPresent()) {
                return bad.get();
            }
            assignment = r.assignments();
        } else {
            int live = image.liveBrokers().size();
            if (rf > live) {
                return ApiStatus.of(ApiError.INVALID_REPLICATION_FACTOR, "replication factor "
                    + rf + " exceeds the " + live + " available brokers");
            }
            assignment = placer.place(image, current, added, rf);
        }
        for (int i = 0; i < assignment.size(); i++) {
            out.add(newPartition(image, t.id(), current + i, assignment.get(i)));
        }
        return ApiStatus.OK;
    }

    private static Optional<ApiStatus> validateAssignment(MetadataImage image,
                                                          Map<Integer, List<Integer>> byIndex) {
        Integer rf = null;
        int expectedIndex = byIndex.keySet().iterator().next();
        for (Map.Entry<Integer, List<Integer>> e : byIndex.entrySet()) {
            List<Integer> replicas = e.getValue();
            if (e.getKey() != expectedIndex++) {
                return Optional.of(ApiStatus.of(ApiError.INVALID_REPLICA_ASSIGNMENT,
                    "partition indexes must be consecutive"));
            }
            if (replicas.isEmpty() || new HashSet<>(replicas).size() != replicas.size()) {
                return Optional.of(ApiStatus.of(ApiError.INVALID_REPLICA_ASSIGNMENT,
                    "partition " + e.getKey() + " replicas must be non-empty and distinct"));
            }
            if (rf != null && rf != replicas.size()) {
                return Optional.of(ApiStatus.of(ApiError.INVALID_REPLICA_ASSIGNMENT,
                    "all partitions must have the same replication factor"));
            }
            rf = replicas.size();
            for (int b : replicas) {
                if (image.broker(b).isEmpty()) {
                    return Optional.of(ApiStatus.of(ApiError.INVALID_REPLICA_ASSIGNMENT,
                        "broker " + b + " is not registered"));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A new partition's ISR is its live replicas (all of them if none is live, so the ISR is
     * never empty), led by the first live one in replica order.
     */
    private static PartitionRecord newPartition(MetadataImage image, UUID topicId, int index,
                                                List<Integer> replicas) {
        List<Integer> isr = replicas.stream().filter(image::isLive).toList();
        if (isr.isEmpty()) {
            isr = replicas;
        }
        int leader = LeaderElection.clean(replicas, isr, image::isLive);
        return new PartitionRecord(topicId, index, replicas, isr, leader, 0, 0);
    }

    private UUID newTopicId(Set<UUID> taken) {
        for (int attempt = 0; attempt < 100; attempt++) {
            UUID id = topicIds.get();
            if (!id.equals(new UUID(0, 0)) && !taken.contains(id)) {
                return id;
            }
        }
        throw new IllegalStateException("could not generate a fresh topic id");
    }
}
