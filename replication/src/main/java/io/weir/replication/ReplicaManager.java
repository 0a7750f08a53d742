package io.weir.replication;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.partition.AlterPartitionReply;
import io.weir.controller.partition.AlterPartitionRequest;
import io.weir.controller.config.TopicConfigs;
import io.weir.controller.record.ConfigResource;
import io.weir.storage.LogConfig;
import io.weir.storage.LogManager;
import io.weir.storage.PartitionLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this node hosts, kept in line with the metadata image: a {@link Partition}
 * per local replica, led or followed; a {@link ReplicaFetcher} per leader broker this node
 * follows; ISR proposals to the controller; the high-watermark checkpoints; and the
 * {@link Purgatory} where acks=all writes and long-poll fetches wait. Request handlers find
 * partitions here ({@link #leaderPartition}) and never touch storage themselves.
 *
 * <p>Logs are created when this node becomes a replica and deleted when their topic leaves the
 * image or a reassignment takes this node out of the partition's replicas (a partition that
 * merely has no leader keeps its log). Which topic id each log belongs to is recorded, so a
 * topic deleted and recreated under the same name never starts with the old topic's records.
 * Logs that no change seen here removes (their topic was deleted, or their replica reassigned
 * away, while this node was down) are deleted once, at the first image that contains this
 * node's registration ({@link StrayLogCleaner}).
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    private static final long ISR_CHECK_INTERVAL_MS = 250;
    /** Kafka's replica.high.watermark.checkpoint.interval.ms. */
    private static final long HW_CHECKPOINT_INTERVAL_MS = 5_000;
    /** The listener followers fetch from. */

    /** Sends ISR changes to the active controller. */
    @FunctionalInterface
    public interface IsrChannel {
        CompletableFuture<AlterPartitionReply> alterPartition(AlterPartitionRequest request);

        /**
         * Sends many ISR changes as one request, which the controller decides in one metadata
         * write; replies in the order of {@code requests}, a failed one as a failed reply. This
         * default sends them one by one.
         */
        default CompletableFuture<List<AlterPartitionReply>> alterPartitions(List<AlterPartitionRequest> requests) {
            List<CompletableFuture<AlterPartitionReply>> each = new ArrayList<>(requests.size());
            for (AlterPartitionRequest request : requests) {
                CompletableFuture<AlterPartitionReply> reply;
                try {
                    reply = alterPartition(request);
                } catch (RuntimeException e) {
                    reply = CompletableFuture.failedFuture(e);
                }
                each.add(reply.exceptionally(e -> new AlterPartitionReply(
                        ApiStatus.of(ApiError.UNKNOWN_SERVER_ERROR, e.toString()), -1, -1, List.of(), -1)));
            }
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(done -> each.stream().map(CompletableFuture::join).toList());
        }
    }

    private final int nodeId;
    private final LogManager logs;
    private final LogConfig defaults;
    private final ReplicationConfig config;
    private final InterBrokerSecurity security;
    /** Copies into replicas that reassignments are adding, over every fetcher of this broker. */
    private final ThrottleQuota followerThrottle;
    /**
     * What this node, as leader, sends to replicas that reassignments are adding: bounded by
     * {@code leader.replication.throttled.rate}, and measured either way (the copy rate metric).
     */
    private final ThrottleQuota leaderThrottle;
    private final LongSupplier brokerEpoch;
    private final IsrProposals isrProposals;
    private final LongSupplier clockMs;
    private final Purgatory purgatory = new Purgatory();
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /** Logs that could not be opened or created (a full data directory); guarded by {@code this}. */
    private final java.util.Set<TopicPartition> unopenable = new java.util.HashSet<>();
    /** Guarded by {@code this}: only the reconciliation touches fetchers. */
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    /** The latest image applied, for the ISR check: only brokers it shows unfenced may join an ISR. */
    private volatile MetadataImage image = MetadataImage.EMPTY;
    /** Which led partitions the ISR check looks at when (each at most once per run). */
    private final IsrCheckSchedule<Partition> isrChecks = new IsrCheckSchedule<>();
    /** The brokers eligible for an ISR at the last check; ISR-check thread only. */
    private java.util.Set<Integer> eligibleAtLastCheck;
    /**
     * Which topic id each local log was created for, persisted in {@link #ownersFile} when the
     * manager has one. A log on disk with no recorded owner is adopted by the topic of its name.
     */
    private final ConcurrentHashMap<TopicPartition, UUID> owners = new ConcurrentHashMap<>();
    private final TopicIdFile ownersFile;
    /** Deletes the logs that became stray while this node was down, at the first current image. */
    private final StrayLogCleaner strays;
    /**
     * Whether {@link #owners} changed since {@link #ownersFile} was last written; guarded by
     * {@code this}. One metadata change writes the file once, however many logs it creates or
     * deletes (rewriting it per log made a topic of n partitions cost O(n^2) bytes and 2n fsyncs).
     */
    private boolean ownersChanged;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weir-isr-check");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param topicIdFile   where to record which topic id each log belongs to; null keeps it in memory (tests)
     * @param brokerEpoch   this broker's epoch, sent with replica fetches and ISR proposals
     * @param isrChannel    where ISR proposals go (the active controller)
     */
    public ReplicaManager(int nodeId, LogManager logs, LogConfig defaults,
                          Path topicIdFile, ReplicationConfig config, LongSupplier brokerEpoch, IsrChannel isrChannel) {
        this(nodeId, logs, defaults, topicIdFile, config, brokerEpoch, isrChannel, InterBrokerSecurity.PLAINTEXT);
    }

    /** @param security which listener of partition leaders this node's replica fetchers dial, and how */
    public ReplicaManager(int nodeId, LogManager logs, LogConfig defaults, Path topicIdFile, ReplicationConfig config,
                          LongSupplier brokerEpoch, IsrChannel isrChannel, InterBrokerSecurity security) {
        this.security = security;
        this.nodeId = nodeId;
        this.logs = logs;
        this.defaults = defaults;
        this.config = config;
        this.followerThrottle = config.followerThrottledRate() == Long.MAX_VALUE ? ThrottleQuota.UNLIMITED
                : new ThrottleQuota(config.followerThrottledRate(), 11);
        this.leaderThrottle = new ThrottleQuota(config.leaderThrottledRate(), 11);
        this.brokerEpoch = brokerEpoch;
        this.isrProposals = new IsrProposals(nodeId, brokerEpoch, isrChannel, config.replicaLagTimeMaxMs(),
                ISR_CHECK_INTERVAL_MS);
        this.clockMs = System::currentTimeMillis;
        this.ownersFile = topicIdFile == null ? null : new TopicIdFile(topicIdFile);
        if (ownersFile != null) owners.putAll(ownersFile.load());
        this.strays = new StrayLogCleaner(nodeId, logs, brokerEpoch);
        timer.scheduleWithFixedDelay(() -> survive("ISR check", this::checkIsr), ISR_CHECK_INTERVAL_MS,
                ISR_CHECK_INTERVAL_MS, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(() -> survive("high-watermark checkpoint", this::checkpointHighWatermarks),
                HW_CHECKPOINT_INTERVAL_MS,
                HW_CHECKPOINT_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    public int nodeId() {
        return nodeId;
    }

    public Purgatory purgatory() {
        return purgatory;
    }

    /** The one directory that holds this node's partition logs. */
    public Path logDirectory() {
        return logs.dataDir();
    }

    /** The partitions this node hosts now (leader or follower), for DescribeLogDirs. */
    public java.util.Collection<Partition> hostedPartitions() {
        return List.copyOf(partitions.values());
    }

    // ---- what handlers call ----

    /**
     * The partition {@code topicName}-{@code partition} if this node leads it, or the error the
     * client must see: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER (also while this node
     * has not yet taken up a leadership the image already shows), FENCED_LEADER_EPOCH or
     * UNKNOWN_LEADER_EPOCH against the client's {@code currentLeaderEpoch} (-1 skips that check).
     */
    public PartitionLookup leaderPartition(MetadataImage image, String topicName, int partition, int currentLeaderEpoch) {
        Optional<TopicImage> topic = image.topic(topicName);
        if (topic.isEmpty()) {
            return PartitionLookup.failed(new TopicIdPartition(Uuid.ZERO_UUID, partition, topicName),
                    Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        return leaderPartition(topic.get(), partition, currentLeaderEpoch);
    }

    /** As {@link #leaderPartition(MetadataImage, String, int, int)}, by topic id (UNKNOWN_TOPIC_ID if absent). */
    public PartitionLookup leaderPartition(MetadataImage image, Uuid topicId, int partition, int currentLeaderEpoch) {
        Optional<TopicImage> topic = image.topic(new UUID(topicId.getMostSignificantBits(), topicId.getLeastSignificantBits()));
        if (topic.isEmpty()) {
            return PartitionLookup.failed(new TopicIdPartition(topicId, partition, null), Errors.UNKNOWN_TOPIC_ID);
        }
        return leaderPartition(topic.get(), partition, currentLeaderEpoch);
    }

    private PartitionLookup leaderPartition(TopicImage topic, int index, int currentLeaderEpoch) {
        TopicIdPartition tp = new TopicIdPartition(kafkaId(topic.id()), index, topic.name());
        if (topic.partition(index) == null) return PartitionLookup.failed(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
        Partition partition = partitions.get(tp.topicPartition());
        if (partition == null || !partition.topicId().equals(topic.id()) || !partition.isLeader()) {
            return PartitionLookup.failed(tp, Errors.NOT_LEADER_OR_FOLLOWER);
        }
        int epoch = partition.leaderEpoch();
        if (currentLeaderEpoch >= 0) {
            if (currentLeaderEpoch > epoch) return PartitionLookup.failed(tp, Errors.UNKNOWN_LEADER_EPOCH);
            if (currentLeaderEpoch < epoch) return PartitionLookup.failed(tp, Errors.FENCED_LEADER_EPOCH);
        }
        return new PartitionLookup(tp, partition, Errors.NONE);
    }

    /**
     * The replica of {@code topicName}-{@code partition} this node hosts, leader or follower, or
     * the error the client must see: UNKNOWN_TOPIC_OR_PARTITION if the image has no such
     * partition, NOT_LEADER_OR_FOLLOWER if this node holds no replica of it.
     */
    public PartitionLookup hostedPartition(MetadataImage image, String topicName, int partition) {
        Optional<TopicImage> topic = image.topic(topicName);
        if (topic.isEmpty() || topic.get().partition(partition) == null) {
            return PartitionLookup.failed(new TopicIdPartition(Uuid.ZERO_UUID, partition, topicName),
                    Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        TopicIdPartition tp = new TopicIdPartition(kafkaId(topic.get().id()), partition, topicName);
        Partition hosted = partitions.get(tp.topicPartition());
        if (hosted == null || !hosted.topicId().equals(topic.get().id())) {
            return PartitionLookup.failed(tp, Errors.NOT_LEADER_OR_FOLLOWER);
        }
        return new PartitionLookup(tp, hosted, Errors.NONE);
    }

    /** The broker epoch {@code brokerId} registered with, as this node's image has it; -1 if unknown. */
    public long registeredBrokerEpoch(MetadataImage image, int brokerId) {
        return image.broker(brokerId).map(BrokerRegistration::epoch).orElse(-1L);
    }

    /**
     * Waits until each acks=all write is committed (the high watermark passed it) or can no
     * longer be; see {@link DelayedAcks} for the outcomes. Completes at once when all are decided.
     */
    public CompletableFuture<List<Errors>> awaitAcks(List<Partition.AppendResult> appends, long timeoutMs) {
        return DelayedAcks.await(purgatory, appends, timeoutMs);
    }

    // ---- the leader replication throttle, for replica fetches ----

    /**
     * Whether a replica fetch by {@code replicaId} gets no records of {@code partition} now: the
     * replica is being added by a reassignment and out of the ISR, and what this node sent such
     * replicas is over {@code leader.replication.throttled.rate} (Kafka's
     * {@code shouldLeaderThrottle}). Its position is still recorded.
     */
    public boolean leaderThrottled(Partition partition, int replicaId) {
        return !leaderThrottle.unlimited() && leaderThrottle.exceeded(clockMs.getAsLong())
                && partition.throttledReplica(replicaId);
    }

    /** Counts {@code bytes} sent to {@code replicaId} against the leader throttle if its copy is throttled. */
    public void recordReplicaRead(Partition partition, int replicaId, long bytes) {
        if (bytes > 0 && partition.throttledReplica(replicaId)) leaderThrottle.record(bytes, clockMs.getAsLong());
    }

    /** Bytes per second this node sent to replicas reassignments are adding, over the last 11 seconds. */
    public double reassignmentCopyRate() {
        return leaderThrottle.rate(clockMs.getAsLong());
    }

    /** The copies into replicas being added, of every partition this node leads. */
    public List<MoveProgress> moveProgress() {
        List<MoveProgress> out = new ArrayList<>();
        for (Partition partition : partitions.values()) {
            try {
                out.addAll(partition.moveProgress());
            } catch (RuntimeException e) {
                // The partition left this node (its log was closed) while we looked.
            }
        }
        return out;
    }

    // ---- reconciliation with the metadata image ----

    /**
     * Applies a metadata change locally: deletes the logs of topics that left the image, takes
     * up or gives up leaderships and followerships, and wakes requests parked on partitions
     * whose leadership changed (a long poll or an acks=all write on a former leader is answered
     * with NOT_LEADER_OR_FOLLOWER at once, sending the client to the new leader).
     */
    public synchronized void onMetadataChange(MetadataImage previous, MetadataImage next) {
        image = next;
        deleteRemovedTopics(ReplicaRoles.removedByDeletion(previous, next));
        ReplicaRoles roles = ReplicaRoles.of(nodeId, next);
        Map<TopicPartition, Runnable> lead = new HashMap<>();
        Map<Integer, Map<TopicPartition, ReplicaFetcher.Assignment>> follow = new HashMap<>();
        roles.roles().forEach((tp, role) -> {
            Map<String, String> topicConfigs = next.configs(ConfigResource.topic(role.topic().name()));
            Partition partition;
            try {
                partition = partitionFor(role.topic(), tp, topicConfigs);
            } catch (KafkaStorageException ex) {
                // A log that cannot be created (its data directory is full) is tried again at the next image.
                if (unopenable.add(tp)) {
                    log.warn("Cannot open the log of {}: {}; retried with each metadata change", tp, ex.getMessage());
                }
                return;
            }
            if (unopenable.remove(tp)) {
                log.info("Opened the log of {}", tp);
            }
            PartitionRegistration reg = role.registration();
            if (role.kind() == ReplicaRoles.Kind.LEAD) {
                lead.put(tp, () -> becomeLeader(partition, reg, minInsyncReplicas(topicConfigs)));
                return;
            }
            partition.makeFollower(reg.leaderEpoch());
            if (role.kind() == ReplicaRoles.Kind.FOLLOW) {
                follow.computeIfAbsent(reg.leader(), k -> new HashMap<>()).put(tp,
                        new ReplicaFetcher.Assignment(tp, kafkaId(role.topic().id()), reg.leaderEpoch(), partition,
                                reg.addingReplicas().contains(nodeId) && !reg.isr().contains(nodeId)));
            }
        });
        List<Partition> reassignedAway = new ArrayList<>();
        for (Map.Entry<TopicPartition, Partition> e : new ArrayList<>(partitions.entrySet())) {
            if (!roles.hosts(e.getKey())) {
                e.getValue().stop();
                if (partitions.remove(e.getKey(), e.getValue())) reassignedAway.add(e.getValue());
            }
        }
        // Fetchers first: reassigning waits for an in-flight follower append, so a partition
        // this node now leads is no longer written by its old fetcher when leadership starts,
        // and a partition that left this node is no longer written when its log is deleted.
        // Recorded before any new log takes appends: leaderships start below, fetchers copy into followers.
        storeOwnersIfChanged();
        updateFetchers(next, follow);
        reassignedAway.forEach(this::deleteLog);
        for (TopicPartition stray : strays.deleteOnce(next, roles.roles().keySet(), Map.copyOf(owners))) {
            if (owners.remove(stray) != null) ownersChanged = true;
        }
        storeOwnersIfChanged();
        lead.values().forEach(Runnable::run);
    }

    /**
     * Deletes the log of a partition whose topic is still in the image but no longer has this
     * node among its replicas (a completed reassignment moved it away). The replica set only
     * drops a node once the target replicas are in the ISR, so the data lives on elsewhere.
     */
    private void deleteLog(Partition partition) {
        TopicPartition tp = partition.topicPartition();
        UUID owner = owners.get(tp);
        if (owner != null && !owner.equals(partition.topicId())) return; // a newer topic of the name owns it
        try {
            log.info("Deleting the log of {}: a reassignment moved it off this node", tp);
            logs.delete(tp);
            if (owners.remove(tp, partition.topicId())) ownersChanged = true;
        } catch (RuntimeException e) {
            log.error("Could not delete the log of {} (reassigned away from this node)", tp, e);
        }
        purgatory.onChange(tp);
    }

    private static void becomeLeader(Partition partition, PartitionRegistration reg, int minIsr) {
        boolean wasLeading = partition.isLeader() && partition.leaderEpoch() == reg.leaderEpoch();
        if (partition.makeLeader(reg, minIsr) && !wasLeading) {
            log.info("Leading {} in epoch {} with ISR {} from LEO {} (HW {})", partition.topicPartition(),
                    reg.leaderEpoch(), reg.isr(), partition.logEndOffset(), partition.highWatermark());
        }
    }

    private static int minInsyncReplicas(Map<String, String> topicConfigs) {
        return TopicConfigs.intValue(topicConfigs, TopicConfigs.MIN_INSYNC_REPLICAS);
    }

    /**
     * The local partition of {@code topic}, created with its log on first use. Logs are named
     * by topic name, so a log left by an earlier topic of the same name (deleted and recreated,
     * and the deletion not yet applied here) is deleted first.
     */
    private Partition partitionFor(TopicImage topic, TopicPartition tp, Map<String, String> topicConfigs) {
        Partition current = partitions.get(tp);
        if (current != null && current.topicId().equals(topic.id())) {
            // Topic configs changed by IncrementalAlterConfigs (cleanup.policy, retention, ...) apply at once.
            LogConfig wanted = LogConfigs.from(defaults, topicConfigs);
            if (!wanted.equals(current.log().config())) current.log().updateConfig(wanted);
            return current;
        }
        UUID owner = owners.get(tp);
        if (owner != null && !owner.equals(topic.id())) {
            log.info("Deleting the log of {} left by topic id {} before topic id {} uses the name", tp, owner, topic.id());
            if (current != null) current.stop();
            logs.delete(tp);
        }
        if (!topic.id().equals(owners.put(tp, topic.id()))) ownersChanged = true;
        PartitionLog partitionLog = logs.getOrCreate(tp, LogConfigs.from(defaults, topicConfigs));
        Partition partition = new Partition(nodeId, tp, topic.id(), partitionLog, clockMs, PartitionChanges.of(purgatory),
                p -> isrChecks.checkAt(p, clockMs.getAsLong()));
        partitions.put(tp, partition);
        return partition;
    }

    private void deleteRemovedTopics(List<ReplicaRoles.Removed> removed) {
        for (ReplicaRoles.Removed r : removed) {
            TopicPartition tp = r.partition();
            UUID owner = owners.get(tp);
            // A newer topic of the same name may already own the log.
            if (owner != null && !owner.equals(r.topicId())) continue;
            Partition partition = partitions.get(tp);
            if (partition != null && partition.topicId().equals(r.topicId())) {
                partition.stop();
                partitions.remove(tp, partition);
            }
            try {
                logs.delete(tp);
                if (owners.remove(tp) != null) ownersChanged = true;
            } catch (RuntimeException e) {
                log.error("Could not delete the log of {} (topic {} was deleted)", tp, r.topicId(), e);
            }
            purgatory.onChange(tp);
        }
        storeOwnersIfChanged();
    }

    private void storeOwnersIfChanged() {
        if (!ownersChanged) return;
        if (ownersFile != null) ownersFile.store(owners);
        ownersChanged = false;
    }

    private void updateFetchers(MetadataImage image, Map<Integer, Map<TopicPartition, ReplicaFetcher.Assignment>> follow) {
        for (Map.Entry<Integer, ReplicaFetcher> e : new ArrayList<>(fetchers.entrySet())) {
            Optional<java.net.InetSocketAddress> address = addressOf(image, e.getKey());
            if (!follow.containsKey(e.getKey()) || address.isEmpty()
                    || !address.get().equals(e.getValue().leaderAddress())) {
                e.getValue().close();
                fetchers.remove(e.getKey());
            }
        }
        for (Map.Entry<Integer, Map<TopicPartition, ReplicaFetcher.Assignment>> e : follow.entrySet()) {
            ReplicaFetcher fetcher = fetchers.get(e.getKey());
            if (fetcher == null) {
                Optional<java.net.InetSocketAddress> address = addressOf(image, e.getKey());
                if (address.isEmpty()) continue;
                fetcher = new ReplicaFetcher(nodeId, brokerEpoch, e.getKey(), address.get(), config, purgatory::onChange,
                        clockMs, security, followerThrottle);
                fetchers.put(e.getKey(), fetcher);
                fetcher.start();
            }
            fetcher.assign(e.getValue());
        }
    }

    private Optional<java.net.InetSocketAddress> addressOf(MetadataImage image, int brokerId) {
        return image.broker(brokerId).flatMap(b -> b.endpoint(security.listenerName()))
                .map(ep -> new java.net.InetSocketAddress(ep.host(), ep.port()));
    }

    // ---- periodic work ----

    /**
     * Runs periodic work so that a failure ends one run, not the schedule: a scheduled task that
     * throws is never run again. InternalError included: a faulted write into a memory-mapped
     * page with no disk behind it (SIGBUS) surfaces at a later safepoint, in whatever code runs.
     */
    private static void survive(String what, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException | InternalError e) {
            log.warn("{} failed; it runs again at its next interval", what, e);
        }
    }

    /**
     * Proposes the ISR changes of the partitions due ({@link IsrCheckSchedule}): those whose
     * in-sync follower may just have fallen behind and those something happened to. When the
     * brokers eligible for an ISR changed, every partition, since eligibility is part of every
     * answer. The answers are those of a check of every partition at every run.
     */
    private void checkIsr() {
        MetadataImage current = image;
        java.util.Set<Integer> eligible = new java.util.HashSet<>();
        current.liveBrokers().forEach(b -> eligible.add(b.id()));
        java.util.Collection<Partition> due;
        if (!eligible.equals(eligibleAtLastCheck)) {
            eligibleAtLastCheck = eligible;
            due = List.copyOf(partitions.values());
        } else {
            due = isrChecks.takeDue(clockMs.getAsLong());
        }
        isrProposals.check(due, current);
        long lag = config.replicaLagTimeMaxMs();
        for (Partition partition : due) {
            long next = partition.nextIsrCheckMs(lag);
            if (next != Long.MAX_VALUE) isrChecks.checkAt(partition, next);
        }
    }

    /**
     * Persists the HW of every hosted log, so a restart resumes close to it (after a crash the
     * HW may be up to one interval behind; followers' fetches move it forward again). A log whose
     * file cannot be written (a full disk) logs that once itself and is tried again next time.
     */
    private void checkpointHighWatermarks() {
        for (Partition partition : partitions.values()) {
            try {
                partition.log().checkpointHighWatermark();
            } catch (RuntimeException e) {
                log.warn("High-watermark checkpoint of {} failed; retrying in {} ms", partition.topicPartition(),
                        HW_CHECKPOINT_INTERVAL_MS, e);
            }
        }
    }

    // ---- gauges ----

    /** Partitions this node leads whose ISR is smaller than their replica set. */
    public int underReplicatedPartitions() {
        int n = 0;
        for (Partition partition : partitions.values()) {
            if (partition.underReplicated()) n++;
        }
        return n;
    }

    public int leaderCount() {
        int n = 0;
        for (Partition partition : partitions.values()) {
            if (partition.isLeader()) n++;
        }
        return n;
    }

    /** Brokers this node fetches from, for tests. */
    synchronized java.util.Set<Integer> fetchingFrom() {
        return java.util.Set.copyOf(fetchers.keySet());
    }

    private static Uuid kafkaId(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        fetchers.values().forEach(ReplicaFetcher::close);
        fetchers.clear();
        partitions.values().forEach(Partition::stop);
        purgatory.close();
    }
}
