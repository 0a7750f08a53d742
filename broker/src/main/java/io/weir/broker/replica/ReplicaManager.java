package io.weir.broker.replica;

import io.weir.broker.metadata.Ids;
import io.weir.broker.metadata.MetadataView;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.record.ConfigResource;
import io.weir.storage.LogAppendInfo;
import io.weir.storage.LogConfig;
import io.weir.storage.LogManager;
import io.weir.storage.PartitionLog;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The partitions this node hosts: maps the metadata image's leadership onto local logs, appends
 * as leader, and wakes long-poll fetches. Logs are created on first use by their leader and
 * deleted when their topic leaves the image.
 *
 * <p>Replication (leader state, follower fetchers, ISR changes) is delegated to
 * {@link Replication}, which this class keeps in line with every metadata image.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    private final MetadataView metadata;
    private final LogManager logs;
    private final LogConfig defaults;
    private final Purgatory purgatory = new Purgatory();
    private volatile Replication replication;
    /**
     * Which topic id each local log was created for, persisted in {@link #ownersFile} when the
     * manager has one. A log on disk with no recorded owner is adopted by the topic of its name.
     */
    private final ConcurrentHashMap<TopicPartition, UUID> owners = new ConcurrentHashMap<>();
    private final TopicIdFile ownersFile;

    /** A manager that remembers log owners only in memory (tests). */
    public ReplicaManager(MetadataView metadata, LogManager logs, LogConfig defaults) {
        this(metadata, logs, defaults, null);
    }

    /** A manager that records which topic id each log belongs to in {@code topicIdFile}. */
    public ReplicaManager(MetadataView metadata, LogManager logs, LogConfig defaults, Path topicIdFile) {
        this.metadata = metadata;
        this.logs = logs;
        this.defaults = defaults;
        this.ownersFile = topicIdFile == null ? null : new TopicIdFile(topicIdFile);
        if (ownersFile != null) owners.putAll(ownersFile.load());
    }

    public MetadataView metadata() {
        return metadata;
    }

    public Purgatory purgatory() {
        return purgatory;
    }

    /** Attaches replication; call before the first metadata image is published. */
    public void replication(Replication r) {
        this.replication = r;
    }

    public Replication replication() {
        return replication;
    }

    /**
     * Finds the local log of a partition this node leads.
     *
     * @param currentLeaderEpoch the client's view of the leader epoch, -1 to skip the check
     */
    public LeaderLookup leaderFor(MetadataImage image, String topicName, int partition, int currentLeaderEpoch) {
        Optional<TopicImage> topic = image.topic(topicName);
        if (topic.isEmpty()) {
            return LeaderLookup.failed(new TopicIdPartition(Uuid.ZERO_UUID, partition, topicName),
                    Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        return leaderFor(image, topic.get(), partition, currentLeaderEpoch);
    }

    public LeaderLookup leaderFor(MetadataImage image, Uuid topicId, int partition, int currentLeaderEpoch) {
        Optional<TopicImage> topic = image.topic(Ids.fromKafka(topicId));
        if (topic.isEmpty()) {
            return LeaderLookup.failed(new TopicIdPartition(topicId, partition, null), Errors.UNKNOWN_TOPIC_ID);
        }
        return leaderFor(image, topic.get(), partition, currentLeaderEpoch);
    }

    private LeaderLookup leaderFor(MetadataImage image, TopicImage topic, int partition, int currentLeaderEpoch) {
        TopicIdPartition tp = new TopicIdPartition(Ids.toKafka(topic.id()), partition, topic.name());
        PartitionRegistration registration = topic.partition(partition);
        if (registration == null) return LeaderLookup.failed(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
        if (registration.leader() != metadata.nodeId()) return LeaderLookup.failed(tp, Errors.NOT_LEADER_OR_FOLLOWER);
        if (currentLeaderEpoch >= 0) {
            if (currentLeaderEpoch > registration.leaderEpoch()) return LeaderLookup.failed(tp, Errors.UNKNOWN_LEADER_EPOCH);
            if (currentLeaderEpoch < registration.leaderEpoch()) return LeaderLookup.failed(tp, Errors.FENCED_LEADER_EPOCH);
        }
        PartitionLog partitionLog = logFor(image, topic, tp.topicPartition());
        boolean sole = registration.isr().equals(List.of(metadata.nodeId()));
        String minIsr = image.configs(ConfigResource.topic(topic.name())).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
        return new LeaderLookup(tp, partitionLog, registration.leaderEpoch(), sole, registration.isr().size(),
                minIsr == null ? 1 : Integer.parseInt(minIsr.trim()), Errors.NONE);
    }

    /**
     * The local log of a partition of {@code topic}. Logs are named by topic name, so a log left
     * by an earlier topic of the same name (deleted and recreated, and the deletion not yet
     * applied here) is deleted first: a new topic never starts with an old topic's records.
     */
    private PartitionLog logFor(MetadataImage image, TopicImage topic, TopicPartition tp) {
        UUID owner = owners.get(tp);
        if (topic.id().equals(owner)) {
            Optional<PartitionLog> open = logs.get(tp);
            if (open.isPresent()) return open.get();
        }
        synchronized (owners) {
            owner = owners.get(tp);
            if (owner != null && !owner.equals(topic.id())) {
                log.info("Deleting the log of {} left by topic id {} before topic id {} uses the name", tp, owner, topic.id());
                logs.delete(tp);
            }
            if (!topic.id().equals(owners.put(tp, topic.id())) && ownersFile != null) ownersFile.store(owners);
            LogConfig config = LogConfigs.from(defaults, image.configs(ConfigResource.topic(topic.name())));
            return logs.getOrCreate(tp, config);
        }
    }

    /**
     * Appends a producer's batches as leader. Throws Kafka's exceptions for invalid batches
     * (the caller maps them with {@link Errors#forException}); nothing is written then.
     */
    public LogAppendInfo appendAsLeader(LeaderLookup leader, MemoryRecords records) {
        PartitionLog partitionLog = leader.log();
        LogAppendInfo info = partitionLog.appendAsLeader(records, leader.leaderEpoch());
        Replication r = replication;
        if (r != null && r.isLeading(leader.partition().topicPartition(), leader.leaderEpoch())) {
            r.onLeaderAppend(leader.partition().topicPartition(), partitionLog);
        } else if (leader.soleInSyncReplica()) {
            // Replication has not seen this leadership's image yet; with no followers the HW is the LEO.
            partitionLog.updateHighWatermark(partitionLog.logEndOffset());
        }
        if (!info.duplicate()) purgatory.onChange(leader.partition().topicPartition());
        return info;
    }

    /** Whether this node still leads {@code partition} at {@code leaderEpoch} in the latest image. */
    public boolean isLeader(TopicIdPartition partition, int leaderEpoch) {
        Optional<TopicImage> topic = metadata.image().topic(Ids.fromKafka(partition.topicId()));
        PartitionRegistration registration = topic.map(t -> t.partition(partition.partition())).orElse(null);
        return registration != null && registration.leader() == metadata.nodeId()
                && registration.leaderEpoch() == leaderEpoch;
    }

    /**
     * Applies an image change locally: deletes the logs of topics that left the image
     * (DeleteTopics committed) and wakes requests parked on partitions whose leadership changed,
     * so a long poll or an acks=all write on a former leader is answered (with
     * NOT_LEADER_OR_FOLLOWER, which sends the client to the new leader) instead of waiting out
     * its timeout.
     */
    public void onMetadataChange(MetadataImage previous, MetadataImage next) {
        for (TopicImage topic : next.topicsById().values()) {
            TopicImage before = previous.topicsById().get(topic.id());
            if (before == null) continue;
            topic.partitions().forEach((partition, registration) -> {
                PartitionRegistration old = before.partition(partition);
                if (old != null && (old.leader() != registration.leader() || old.leaderEpoch() != registration.leaderEpoch())) {
                    purgatory.onChange(new TopicPartition(topic.name(), partition));
                }
            });
        }
        for (TopicImage topic : previous.topicsById().values()) {
            if (next.topicsById().containsKey(topic.id())) continue;
            for (int partition : topic.partitions().keySet()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition);
                synchronized (owners) {
                    UUID owner = owners.get(tp);
                    // A newer topic of the same name may already own the log.
                    if (owner != null && !owner.equals(topic.id())) continue;
                    try {
                        logs.delete(tp);
                        if (owners.remove(tp) != null && ownersFile != null) ownersFile.store(owners);
                    } catch (RuntimeException e) {
                        log.error("Could not delete the log of {} (topic {} was deleted)", tp, topic.id(), e);
                    }
                }
                purgatory.onChange(tp);
            }
        }
        Replication r = replication;
        if (r != null) {
            r.apply(next, (topic, tp) -> logFor(next, topic, tp));
        }
    }

    @Override
    public void close() {
        purgatory.close();
    }
}
