package io.weir.group;

import io.weir.replication.ReplicaManager;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.image.BrokerRegistration;
import io.weir.group.consumer.ConsumerGroup;
import io.weir.group.consumer.ConsumerGroupRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Consumer groups under Kafka's classic rebalance protocol (JoinGroup/SyncGroup/Heartbeat/
 * LeaveGroup) and KIP-848's consumer protocol (ConsumerGroupHeartbeat), and committed offsets:
 * what the broker's group API handlers call.
 *
 * <p>As in Kafka, a group's coordinator is the leader of its partition of the internal topic
 * {@value OffsetsTopic#NAME}, where its committed offsets and its metadata (generation, leader,
 * members and assignments, as Kafka records them) are stored and replicated ({@link OffsetsTopic}).
 * When leadership of the partition moves, members are told NOT_COORDINATOR and find the new
 * coordinator, which has replayed the partition: a Stable group carries on at its generation.
 *
 * <p>Every call first checks that this node coordinates the group and has loaded it, then goes to
 * {@link ClassicGroups} (the shell around each classic {@link Group}), {@link ConsumerGroups}
 * (KIP-848) or {@link GroupOffsets}. This class also keeps a group id with one protocol at a time,
 * and runs the timer thread that ticks every group.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final long EXPIRY_CHECK_MS = 250;
    /** Kafka's defaults of {@code group.consumer.session.timeout.ms} and {@code group.consumer.heartbeat.interval.ms}. */
    public static final int CONSUMER_SESSION_TIMEOUT_MS = 45_000;
    public static final int CONSUMER_HEARTBEAT_INTERVAL_MS = 5_000;
    /** Kafka's defaults of {@code offsets.retention.minutes} (7 days) and {@code offsets.retention.check.interval.ms}. */
    public static final long OFFSETS_RETENTION_MS = TimeUnit.DAYS.toMillis(7);
    public static final long OFFSETS_RETENTION_CHECK_INTERVAL_MS = 600_000;

    /** A committed offset as a consumer stored it. */
    public record CommittedOffset(long offset, int leaderEpoch, String metadata) {
    }

    /** What OffsetDelete answers: a group-level error, or an error per partition. */
    public record OffsetDeletion(Errors groupError, Map<TopicPartition, Errors> partitionErrors) {
    }

    private final Supplier<MetadataImage> metadata;
    private final String listener;
    private final OffsetsTopic offsets;
    private final LongSupplier clock = () -> System.nanoTime() / 1_000_000;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weir-group-coordinator");
        t.setDaemon(true);
        return t;
    });
    private final ClassicGroups classic;
    /** KIP-848 consumer groups; a group id is a classic or a consumer group, never both. */
    private final ConsumerGroups consumers;
    private final GroupOffsets groupOffsets;
    private final OffsetRetention retention;

    /**
     * @param metadata the newest metadata image this node has replayed
     * @param nodeId this node's id
     * @param listener the listener whose endpoints clients are sent to
     * @param initialRebalanceDelayMs Kafka's {@code group.initial.rebalance.delay.ms}: how long a
     *     new group waits for more members before its first rebalance completes
     */
    public GroupCoordinator(Supplier<MetadataImage> metadata, int nodeId, ReplicaManager replicas, String listener,
                            long initialRebalanceDelayMs) {
        this(metadata, nodeId, replicas, listener, initialRebalanceDelayMs, CONSUMER_SESSION_TIMEOUT_MS,
                CONSUMER_HEARTBEAT_INTERVAL_MS, OFFSETS_RETENTION_MS, OFFSETS_RETENTION_CHECK_INTERVAL_MS);
    }

    /**
     * @param consumerSessionTimeoutMs Kafka's {@code group.consumer.session.timeout.ms}: a KIP-848
     *     member that has not heartbeated for this long is removed
     * @param consumerHeartbeatIntervalMs Kafka's {@code group.consumer.heartbeat.interval.ms}: how
     *     often KIP-848 members are told to heartbeat (and so how soon they learn of a new assignment)
     * @param offsetsRetentionMs Kafka's {@code offsets.retention.minutes}, in ms: how long an empty
     *     group's committed offsets are kept (see {@link OffsetExpiry})
     * @param offsetsRetentionCheckIntervalMs Kafka's {@code offsets.retention.check.interval.ms}
     */
    public GroupCoordinator(Supplier<MetadataImage> metadata, int nodeId, ReplicaManager replicas, String listener,
                            long initialRebalanceDelayMs, int consumerSessionTimeoutMs, int consumerHeartbeatIntervalMs,
                            long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs) {
        if (offsetsRetentionCheckIntervalMs <= 0) {
            throw new IllegalArgumentException("offsets.retention.check.interval.ms must be positive");
        }
        this.metadata = metadata;
        this.listener = listener;
        this.offsets = new OffsetsTopic(metadata, nodeId, replicas, this::restoreGroups, this::unloadGroups);
        this.classic = new ClassicGroups(offsets, clock, timer, initialRebalanceDelayMs);
        this.consumers = new ConsumerGroups(metadata, offsets, clock, consumerSessionTimeoutMs, consumerHeartbeatIntervalMs);
        this.groupOffsets = new GroupOffsets(metadata, offsets, clock, classic, consumers);
        this.retention = new OffsetRetention(offsets, classic, consumers, groupId -> checkCoordinator(groupId) == Errors.NONE,
                System::currentTimeMillis, offsetsRetentionMs);
        timer.scheduleWithFixedDelay(this::tickAll, EXPIRY_CHECK_MS, EXPIRY_CHECK_MS, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::expireOffsets, offsetsRetentionCheckIntervalMs, offsetsRetentionCheckIntervalMs,
                TimeUnit.MILLISECONDS);
    }

    /** The listener whose endpoints FindCoordinator answers with. */
    public String listener() {
        return listener;
    }

    /** The broker that coordinates {@code groupId}: the leader of its offsets partition, if live. */
    public Optional<BrokerRegistration> coordinatorFor(String groupId) {
        MetadataImage image = metadata.get();
        return image.topic(OffsetsTopic.NAME)
                .map(t -> t.partition(OffsetsTopic.partitionFor(groupId, t.partitionCount())))
                .filter(PartitionRegistration::hasLeader)
                .flatMap(p -> image.broker(p.leader()))
                .filter(b -> !b.fenced() && b.endpoint(listener).isPresent());
    }

    /** NONE when this node coordinates {@code groupId} and has loaded it, else the error to answer with. */
    public Errors checkCoordinator(String groupId) {
        if (groupId == null || groupId.isEmpty()) return Errors.INVALID_GROUP_ID;
        return offsets.state(groupId);
    }

    /** Applies an image change: loads offsets partitions this node now leads, forgets the others. */
    public void onMetadataChange(MetadataImage previous, MetadataImage next) {
        offsets.onMetadataChange(next, this::unloadGroups);
    }

    /** Takes over the groups an offsets partition records, loaded on this node's becoming its leader. */
    private void restoreGroups(int partition, Map<String, GroupMetadataValue> recorded,
                               Map<String, ConsumerGroupRecords.Loaded> consumerGroups) {
        classic.restore(recorded);
        consumers.restore(consumerGroups);
    }

    /** Forgets the groups of an offsets partition this node no longer leads; their waiting requests get NOT_COORDINATOR. */
    private void unloadGroups(int partition) {
        int partitionCount = metadata.get().topic(OffsetsTopic.NAME).map(TopicImage::partitionCount).orElse(0);
        consumers.unload(groupId -> partitionCount == 0 || OffsetsTopic.partitionFor(groupId, partitionCount) == partition);
        classic.unload(groupId -> partitionCount == 0 || OffsetsTopic.partitionFor(groupId, partitionCount) == partition);
    }

    /** Ticks every group: completes rebalances whose deadline passed, expires sessions. */
    private void tickAll() {
        consumers.tickAll();
        classic.tickAll();
        retention.observe();
    }

    /** One offsets retention check; a failure is logged and the next check runs as planned. */
    private void expireOffsets() {
        try {
            retention.expire();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(GroupCoordinator.class).error("Offsets retention check failed", e);
        }
    }

    // ---- JoinGroup, SyncGroup, Heartbeat, LeaveGroup ----

    public CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData in, short version, String clientId,
                                                         String clientHost) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return CompletableFuture.completedFuture(GroupReplies.joinError(error, in.memberId()));
        if (!Group.validSessionTimeout(in.sessionTimeoutMs())) {
            // Refused before the group is looked up, so a bad request leaves no empty group behind.
            return CompletableFuture.completedFuture(GroupReplies.joinError(Errors.INVALID_SESSION_TIMEOUT, in.memberId()));
        }
        // A group id is classic or consumer; an empty consumer group may become classic, as in Kafka.
        if (consumers.removeIfEmpty(in.groupId()) == Errors.NON_EMPTY_GROUP) {
            return CompletableFuture.completedFuture(GroupReplies.joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, in.memberId()));
        }
        return classic.join(in, version, clientId, clientHost);
    }

    public CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData in) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return CompletableFuture.completedFuture(GroupReplies.syncError(error));
        return classic.sync(in);
    }

    public Errors heartbeat(HeartbeatRequestData in) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return error;
        return classic.heartbeat(in);
    }

    /**
     * Removes the members, each named by its member id or by its {@code group.instance.id};
     * returns the error for each, in the order asked (NONE when it left).
     */
    public List<Errors> leave(String groupId, List<LeaveGroupRequestData.MemberIdentity> leaving) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return new ArrayList<>(Collections.nCopies(leaving.size(), error));
        return classic.leave(groupId, leaving);
    }

    // ---- KIP-848: ConsumerGroupHeartbeat, ConsumerGroupDescribe ----

    /** One ConsumerGroupHeartbeat, answered once what it changed in the group is committed. */
    public CompletableFuture<ConsumerGroupHeartbeatResponseData> consumerHeartbeat(ConsumerGroupHeartbeatRequestData in,
                                                                                  String clientId, String clientHost) {
        return consumerHeartbeat(in, clientId, clientHost, null);
    }

    /**
     * One ConsumerGroupHeartbeat whose group's regexes match only the topics {@code visible} lets
     * the member describe (null: every topic), as Kafka filters regex matches by authorization.
     */
    public CompletableFuture<ConsumerGroupHeartbeatResponseData> consumerHeartbeat(ConsumerGroupHeartbeatRequestData in,
                                                                                  String clientId, String clientHost,
                                                                                  TopicVisibility visible) {
        Errors error = checkCoordinator(in.groupId());
        if (error != Errors.NONE) return CompletableFuture.completedFuture(ConsumerGroup.error(error, null));
        // A group id is classic or consumer; an empty classic group may become a consumer group, as in Kafka.
        if (classic.removeIfEmpty(in.groupId(), true) == Errors.NON_EMPTY_GROUP) {
            return CompletableFuture.completedFuture(
                    ConsumerGroup.error(Errors.GROUP_ID_NOT_FOUND, "Group " + in.groupId() + " is not a consumer group."));
        }
        return consumers.heartbeat(in, clientId, clientHost, visible);
    }

    /** ConsumerGroupDescribe of one group: GROUP_ID_NOT_FOUND unless it is a consumer group here. */
    public ConsumerGroupDescribeResponseData.DescribedGroup consumerDescribe(String groupId) {
        ConsumerGroupDescribeResponseData.DescribedGroup out = new ConsumerGroupDescribeResponseData.DescribedGroup()
                .setGroupId(groupId).setGroupState("Dead");
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return out.setErrorCode(error.code());
        return consumers.describe(out);
    }

    // ---- offsets ----

    /**
     * Commits offsets for a current member of the group's generation, or, for a group with no
     * members, for anyone (consumers using assign() commit with generation -1).
     */
    public CompletableFuture<Errors> commit(String groupId, int generationId, String memberId, String groupInstanceId,
                                            short version, Map<TopicPartition, CommittedOffset> changes) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
        return groupOffsets.commit(groupId, generationId, memberId, groupInstanceId, version, changes);
    }

    /** The group's committed offsets. */
    public Map<TopicPartition, CommittedOffset> committed(String groupId) {
        return groupOffsets.committed(groupId);
    }

    /** Kafka's OffsetDelete (see {@link GroupOffsets#deleteOffsets}). */
    public CompletableFuture<OffsetDeletion> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(new OffsetDeletion(error, Map.of()));
        return groupOffsets.deleteOffsets(groupId, partitions);
    }

    // ---- ListGroups, DescribeGroups, DeleteGroups ----

    /** Groups this node coordinates (including groups that only have committed offsets). */
    public List<ListGroupsResponseData.ListedGroup> list(List<String> statesFilter, List<String> typesFilter) {
        Map<String, ListGroupsResponseData.ListedGroup> out = new TreeMap<>();
        classic.list(groupId -> checkCoordinator(groupId) == Errors.NONE).forEach(g -> out.put(g.groupId(), g));
        consumers.list(groupId -> checkCoordinator(groupId) == Errors.NONE).forEach(g -> out.put(g.groupId(), g));
        for (String groupId : offsets.groupsWithOffsets()) {
            if (out.containsKey(groupId) || checkCoordinator(groupId) != Errors.NONE) continue;
            out.put(groupId, new ListGroupsResponseData.ListedGroup().setGroupId(groupId).setProtocolType("")
                    .setGroupState(Group.State.EMPTY.kafkaName).setGroupType("classic"));
        }
        return out.values().stream()
                .filter(g -> statesFilter == null || statesFilter.isEmpty()
                        || statesFilter.stream().anyMatch(f -> f.equalsIgnoreCase(g.groupState())))
                .filter(g -> typesFilter == null || typesFilter.isEmpty()
                        || typesFilter.stream().anyMatch(f -> f.equalsIgnoreCase(g.groupType())))
                .toList();
    }

    public DescribeGroupsResponseData.DescribedGroup describe(String groupId, boolean unknownIsError) {
        DescribeGroupsResponseData.DescribedGroup out = new DescribeGroupsResponseData.DescribedGroup()
                .setGroupId(groupId).setProtocolType("").setProtocolData("").setGroupState("Dead");
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return out.setErrorCode(error.code());
        if (consumers.contains(groupId)) {
            // As Kafka: DescribeGroups is for classic groups (the admin client asks ConsumerGroupDescribe first).
            return out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
        }
        return classic.describe(out, unknownIsError);
    }

    /** Deletes an empty group and its committed offsets (tombstones in the offsets topic). */
    public CompletableFuture<Errors> delete(String groupId) {
        Errors error = checkCoordinator(groupId);
        if (error != Errors.NONE) return CompletableFuture.completedFuture(error);
        return groupOffsets.deleteGroup(groupId);
    }

    @Override
    public void close() {
        offsets.close();
        timer.shutdownNow();
        classic.abandonAll(Errors.COORDINATOR_NOT_AVAILABLE);
    }
}
