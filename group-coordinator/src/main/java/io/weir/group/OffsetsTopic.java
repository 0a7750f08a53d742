package io.weir.group;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.group.consumer.ConsumerGroupRecords;
import io.weir.replication.Partition;
import io.weir.replication.PartitionLookup;
import io.weir.replication.ReplicaManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Committed offsets in the replicated internal topic {@value #NAME}, as Kafka keeps them. A
 * group's offsets live in partition {@code murmur2(groupId) mod partitions}; the leader of that
 * partition is the group's coordinator. A commit is answered once the high watermark passes it,
 * so an acknowledged offset survives the loss of the leader while a quorum of the ISR survives.
 * A new leader loads the partition (up to the HW) before it answers for the groups in it.
 *
 * <p>Records are Kafka's ({@link GroupRecords}): committed offsets and classic groups' metadata,
 * keyed so that compaction keeps the latest of each; no value deletes.
 */
final class OffsetsTopic implements AutoCloseable {
    static final String NAME = "__consumer_offsets";
    private static final Logger log = LoggerFactory.getLogger(OffsetsTopic.class);
    private static final int READ_CHUNK_BYTES = 1 << 20;
    private static final long COMMIT_TIMEOUT_MS = 5_000;

    enum Load { NOT_LEADER, LOADING, LOADED }

    private final Supplier<MetadataImage> metadata;
    private final int nodeId;
    private final ReplicaManager replicas;
    /** partition → (leader epoch it was loaded at, state) */
    private final ConcurrentHashMap<Integer, Map.Entry<Integer, Load>> partitions = new ConcurrentHashMap<>();
    /** A committed offset and when it was committed (wall clock), which its retention counts from. */
    private record Stored(GroupCoordinator.CommittedOffset offset, long commitTimestampMs) {
    }

    private final ConcurrentHashMap<String, ConcurrentHashMap<TopicPartition, Stored>> offsets = new ConcurrentHashMap<>();
    /** Serialises a group's offset appends with its retention check (striped by group id). */
    private final Object[] locks = new Object[64];
    /** Group → partitions with commits appended and not yet acknowledged (count), guarded by the group's lock. */
    private final ConcurrentHashMap<String, Map<TopicPartition, Integer>> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "weir-offsets-loader");
        t.setDaemon(true);
        return t;
    });

    /** Takes over the groups a loaded partition's records hold. */
    interface GroupLoader {
        void load(int partition, Map<String, GroupMetadataValue> classic, Map<String, ConsumerGroupRecords.Loaded> consumer);
    }

    /** Told the groups a partition's records hold, just before the partition counts as loaded. */
    private final GroupLoader groupLoader;
    /** Told that a partition whose groups were handed to {@link #groupLoader} did not finish loading. */
    private final IntConsumer groupUnloader;

    OffsetsTopic(Supplier<MetadataImage> metadata, int nodeId, ReplicaManager replicas,
                 GroupLoader groupLoader, IntConsumer groupUnloader) {
        this.metadata = metadata;
        this.nodeId = nodeId;
        this.replicas = replicas;
        this.groupLoader = groupLoader;
        this.groupUnloader = groupUnloader;
        for (int i = 0; i < locks.length; i++) locks[i] = new Object();
    }

    static int partitionFor(String groupId, int partitionCount) {
        return Utils.toPositive(Utils.murmur2(groupId.getBytes(StandardCharsets.UTF_8))) % partitionCount;
    }

    /** The partition holding {@code groupId}'s offsets, or empty while the topic does not exist. */
    Optional<Integer> partitionFor(String groupId) {
        return metadata.get().topic(NAME).map(t -> partitionFor(groupId, t.partitionCount()));
    }

    /** NONE when this node leads and has loaded the group's partition; otherwise the client's error. */
    Errors state(String groupId) {
        Optional<TopicImage> topic = metadata.get().topic(NAME);
        if (topic.isEmpty()) return Errors.COORDINATOR_NOT_AVAILABLE;
        int partition = partitionFor(groupId, topic.get().partitionCount());
        PartitionRegistration registration = topic.get().partition(partition);
        if (registration == null || !registration.hasLeader()) return Errors.COORDINATOR_NOT_AVAILABLE;
        if (registration.leader() != nodeId) return Errors.NOT_COORDINATOR;
        Map.Entry<Integer, Load> state = partitions.get(partition);
        if (state == null || state.getKey() != registration.leaderEpoch()) return Errors.COORDINATOR_LOAD_IN_PROGRESS;
        return state.getValue() == Load.LOADED ? Errors.NONE : Errors.COORDINATOR_LOAD_IN_PROGRESS;
    }

    Map<TopicPartition, GroupCoordinator.CommittedOffset> committed(String groupId) {
        Map<TopicPartition, GroupCoordinator.CommittedOffset> out = new HashMap<>();
        offsets.getOrDefault(groupId, new ConcurrentHashMap<>()).forEach((tp, stored) -> out.put(tp, stored.offset()));
        return out;
    }

    /** When each of the group's offsets was committed (wall-clock ms), as written in its record. */
    Map<TopicPartition, Long> commitTimestamps(String groupId) {
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.getOrDefault(groupId, new ConcurrentHashMap<>())
                .forEach((tp, stored) -> out.put(tp, stored.commitTimestampMs()));
        return out;
    }

    Set<String> groupsWithOffsets() {
        return offsets.keySet();
    }

    /**
     * Writes offsets (a null offset deletes) and completes once they are committed (the HW passed
     * them), with NONE, or with the error the client should see.
     */
    CompletableFuture<Errors> write(String groupId, Map<TopicPartition, GroupCoordinator.CommittedOffset> changes) {
        return write(groupId, changes, false);
    }

    /** As {@link #write(String, Map)}; with {@code deleteGroup}, the same batch ends with the group's metadata tombstone. */
    CompletableFuture<Errors> write(String groupId, Map<TopicPartition, GroupCoordinator.CommittedOffset> changes,
                                    boolean deleteGroup) {
        if (changes.isEmpty() && !deleteGroup) return CompletableFuture.completedFuture(Errors.NONE);
        List<SimpleRecord> records = new ArrayList<>();
        long now = System.currentTimeMillis();
        changes.forEach((tp, offset) -> records.add(new SimpleRecord(now, GroupRecords.offsetKey(groupId, tp),
                offset == null ? null : GroupRecords.offsetValue(offset, now))));
        if (deleteGroup) records.add(new SimpleRecord(now, GroupRecords.groupKey(groupId), null));
        Object lock = lockOf(groupId);
        CompletableFuture<Errors> appended;
        synchronized (lock) {
            inFlight(groupId, changes.keySet(), 1);
            try {
                appended = append(groupId, records);
            } catch (RuntimeException e) {
                inFlight(groupId, changes.keySet(), -1);
                throw e;
            }
        }
        // handle, not thenApply: an append that fails with an exception must still leave the
        // in-flight count, or retention would never expire these offsets again.
        return appended.handle((outcome, error) -> {
            synchronized (lock) {
                inFlight(groupId, changes.keySet(), -1);
                if (error != null) {
                    throw error instanceof CompletionException c ? c : new CompletionException(error);
                }
                if (outcome != Errors.NONE) return outcome;
                ConcurrentHashMap<TopicPartition, Stored> group = offsets.computeIfAbsent(groupId, g -> new ConcurrentHashMap<>());
                changes.forEach((tp, offset) -> {
                    if (offset == null) group.remove(tp);
                    else group.put(tp, new Stored(offset, now));
                });
                if (group.isEmpty()) offsets.remove(groupId, group);
                return Errors.NONE;
            }
        });
    }

    /** What {@link #expire} deleted: how many offsets, and the outcome of the write. */
    record Expired(int offsets, Errors outcome) {
    }

    /**
     * Deletes the offsets {@code expired} (decided on the commit times {@code decidedAtMs}) that
     * are still as the decision saw them, in one write with the group's metadata tombstone when
     * {@code deleteGroup}. The check and the append hold the group's lock, as commits' appends do,
     * so a commit racing the retention check is never followed by its offset's tombstone.
     */
    CompletableFuture<Expired> expire(String groupId, Set<TopicPartition> expired,
                                      Map<TopicPartition, Long> decidedAtMs, boolean deleteGroup) {
        synchronized (lockOf(groupId)) {
            Set<TopicPartition> still = OffsetExpiry.stillExpired(expired, decidedAtMs, commitTimestamps(groupId),
                    inFlight.getOrDefault(groupId, Map.of()).keySet());
            Map<TopicPartition, GroupCoordinator.CommittedOffset> tombstones = new HashMap<>();
            still.forEach(tp -> tombstones.put(tp, null));
            return write(groupId, tombstones, deleteGroup).thenApply(outcome -> new Expired(tombstones.size(), outcome));
        }
    }

    private Object lockOf(String groupId) {
        return locks[Utils.toPositive(groupId.hashCode()) % locks.length];
    }

    /** Counts commits of {@code partitions} appended and not yet acknowledged; guarded by the group's lock. */
    private void inFlight(String groupId, Set<TopicPartition> partitions, int delta) {
        if (partitions.isEmpty()) return;
        Map<TopicPartition, Integer> group = inFlight.computeIfAbsent(groupId, g -> new HashMap<>());
        for (TopicPartition tp : partitions) group.merge(tp, delta, (a, b) -> a + b == 0 ? null : a + b);
        if (group.isEmpty()) inFlight.remove(groupId);
    }

    /**
     * Writes a classic group's metadata ({@code null} deletes it: a tombstone) and completes once
     * it is committed, with NONE or the error the client should see.
     */
    CompletableFuture<Errors> writeGroup(String groupId, GroupMetadataValue value) {
        long now = System.currentTimeMillis();
        return append(groupId, List.of(new SimpleRecord(now, GroupRecords.groupKey(groupId),
                value == null ? null : GroupRecords.groupValue(value))));
    }

    /** Writes a KIP-848 consumer group's records (see {@link ConsumerGroupRecords}) and completes once they are committed. */
    CompletableFuture<Errors> writeConsumerGroup(String groupId, List<ConsumerGroupRecords.Write> writes) {
        if (writes.isEmpty()) return CompletableFuture.completedFuture(Errors.NONE);
        long now = System.currentTimeMillis();
        List<SimpleRecord> records = new ArrayList<>();
        writes.forEach(w -> records.add(new SimpleRecord(now, w.key(), w.value())));
        return append(groupId, records);
    }

    private CompletableFuture<Errors> append(String groupId, List<SimpleRecord> records) {
        MetadataImage image = metadata.get();
        Optional<Integer> partition = partitionFor(groupId);
        if (partition.isEmpty()) return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
        PartitionLookup leader = replicas.leaderPartition(image, NAME, partition.get(), -1);
        if (!leader.ok()) return CompletableFuture.completedFuture(Errors.NOT_COORDINATOR);
        Partition.AppendResult appended;
        try {
            appended = leader.partition().appendAsLeader(
                    MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0])), -1);
        } catch (ApiException e) {
            return CompletableFuture.completedFuture(coordinatorError(Errors.forException(e)));
        }
        return replicas.awaitAcks(List.of(appended), COMMIT_TIMEOUT_MS).thenApply(outcomes -> {
            Errors outcome = outcomes.get(0);
            return outcome == Errors.NONE ? Errors.NONE : coordinatorError(outcome);
        });
    }

    /**
     * The error a group client sees for a failed offsets write, as Kafka's group coordinator maps
     * it: the coordinator moved, or is not available (ISR too small, timed out), or the write
     * itself was refused.
     */
    private static Errors coordinatorError(Errors error) {
        return switch (error) {
            case NOT_LEADER_OR_FOLLOWER -> Errors.NOT_COORDINATOR;
            case NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT -> Errors.COORDINATOR_NOT_AVAILABLE;
            default -> error;
        };
    }

    /** Loads partitions this node now leads; forgets those it no longer leads. */
    void onMetadataChange(MetadataImage next, java.util.function.IntConsumer onPartitionLost) {
        Optional<TopicImage> topic = next.topic(NAME);
        if (topic.isEmpty()) {
            partitions.keySet().forEach(onPartitionLost::accept);
            partitions.clear();
            return;
        }
        topic.get().partitions().forEach((partition, registration) -> {
            Map.Entry<Integer, Load> current = partitions.get(partition);
            boolean leads = registration.leader() == nodeId;
            if (leads && (current == null || current.getKey() != registration.leaderEpoch())) {
                if (current != null) onPartitionLost.accept(partition);
                partitions.put(partition, Map.entry(registration.leaderEpoch(), Load.LOADING));
                int epoch = registration.leaderEpoch();
                loader.execute(() -> load(partition, epoch));
            } else if (!leads && current != null) {
                partitions.remove(partition);
                onPartitionLost.accept(partition);
                dropPartition(partition, topic.get().partitionCount());
            }
        });
    }

    private void dropPartition(int partition, int partitionCount) {
        offsets.keySet().removeIf(groupId -> partitionFor(groupId, partitionCount) == partition);
    }

    private void load(int partition, int leaderEpoch) {
        try {
            MetadataImage image = metadata.get();
            PartitionLookup leader = replicas.leaderPartition(image, NAME, partition, -1);
            if (!leader.ok() || leader.partition().leaderEpoch() != leaderEpoch) return;
            int partitionCount = image.topic(NAME).map(TopicImage::partitionCount).orElse(1);
            dropPartition(partition, partitionCount);
            Partition offsetsPartition = leader.partition();
            long offset = offsetsPartition.logStartOffset();
            long end = offsetsPartition.highWatermark();
            int loaded = 0;
            int skipped = 0;
            Map<String, GroupMetadataValue> groups = new HashMap<>();
            Map<String, ConsumerGroupRecords.Loaded> consumerGroups = new HashMap<>();
            while (offset < end) {
                MemoryRecords read = offsetsPartition.read(offset, -1, READ_CHUNK_BYTES, true).records();
                long next = offset;
                for (RecordBatch batch : read.batches()) {
                    if (batch.baseOffset() >= end) break;
                    for (Record record : batch) {
                        if (apply(record, groups, consumerGroups)) loaded++;
                        else skipped++;
                    }
                    next = batch.nextOffset();
                }
                if (next == offset) break; // nothing more below the HW
                offset = next;
            }
            if (skipped > 0) {
                log.warn("Skipped {} unreadable records while loading {}-{}", skipped, NAME, partition);
            }
            consumerGroups.values().removeIf(g -> !g.exists());
            groupLoader.load(partition, groups, consumerGroups);
            if (!partitions.replace(partition, Map.entry(leaderEpoch, Load.LOADING), Map.entry(leaderEpoch, Load.LOADED))) {
                // Leadership moved on while loading; the coordinator drops the partition's groups again.
                groupUnloader.accept(partition);
                return;
            }
            log.info("Loaded {} records ({} classic and {} consumer groups) of {}-{} at leader epoch {}", loaded,
                    groups.size(), consumerGroups.size(), NAME, partition, leaderEpoch);
        } catch (RuntimeException e) {
            log.error("Could not load {}-{}; groups in it stay unavailable until the next leadership change",
                    NAME, partition, e);
        }
    }

    /**
     * Applies one record of the offsets topic: offsets to the cache, classic group metadata to
     * {@code groups} (the latest per group; a tombstone removes it), KIP-848 groups' records to
     * {@code consumerGroups}.
     *
     * @return false for a record this node cannot read (skipped, so one bad record never keeps
     *     a partition's groups from loading)
     */
    private boolean apply(Record record, Map<String, GroupMetadataValue> groups,
                          Map<String, ConsumerGroupRecords.Loaded> consumerGroups) {
        try {
            if (!record.hasKey()) return false;
            GroupRecords.Parsed parsed = GroupRecords.parse(record.key(), record.hasValue() ? record.value() : null);
            if (parsed instanceof GroupRecords.Offset o) {
                if (o.offset() == null) {
                    ConcurrentHashMap<TopicPartition, Stored> group = offsets.get(o.groupId());
                    if (group != null) {
                        group.remove(o.partition());
                        if (group.isEmpty()) offsets.remove(o.groupId(), group);
                    }
                } else {
                    // The record's timestamp is its commit time (Weir and Kafka write both the same).
                    offsets.computeIfAbsent(o.groupId(), g -> new ConcurrentHashMap<>())
                            .put(o.partition(), new Stored(o.offset(), record.timestamp()));
                }
                return true;
            }
            if (parsed instanceof GroupRecords.ConsumerGroupRecord c) {
                ConsumerGroupRecords.apply(c.type(), c.key(), c.value(), consumerGroups);
                return true;
            }
            if (parsed instanceof GroupRecords.Group g) {
                if (g.value() == null) groups.remove(g.groupId());
                else groups.put(g.groupId(), g.value());
                return true;
            }
            return false;
        } catch (RuntimeException e) {
            log.debug("Unreadable offsets record at offset {}: {}", record.offset(), e.toString());
            return false;
        }
    }

    @Override
    public void close() {
        loader.shutdownNow();
    }
}
