package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.record.RemoveTopicRecord;
import io.weir.controller.record.TopicRecord;
import io.weir.storage.LogConfig;
import io.weir.storage.LogManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which local logs a node keeps as the metadata image changes (node 1's view). */
class ReplicaManagerTest {
    private static final UUID TOPIC_ID = new UUID(7, 7);

    @TempDir
    Path dir;
    private LogManager logs;
    private ReplicaManager replicas;
    private final List<MetadataRecord> records = new ArrayList<>();
    private MetadataImage image = MetadataImage.EMPTY;

    @BeforeEach
    void start() {
        logs = new LogManager(dir, LogConfig.defaults());
        replicas = new ReplicaManager(1, logs, LogConfig.defaults(), null, ReplicationConfig.defaults(), () -> 1L,
                request -> CompletableFuture.failedFuture(new IllegalStateException("no controller in this test")));
        for (int id = 1; id <= 3; id++) {
            // Port 0: the replica fetcher for a leader never connects within this test.
            records.add(new RegisterBrokerRecord(id, 1, new UUID(0, id),
                    List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT")), null, false));
        }
        records.add(new TopicRecord("t", TOPIC_ID));
        records.add(new PartitionRecord(TOPIC_ID, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0));
        publish();
    }

    @AfterEach
    void stop() {
        replicas.close();
        logs.close();
    }

    @Test
    void aPartitionWithNoLeaderKeepsItsLogAndOneReassignedAwayLosesIt() {
        assertThat(dir.resolve("t-0")).isDirectory();
        assertThat(replicas.hostedPartitions()).extracting(p -> p.topicPartition().toString()).containsExactly("t-0");

        // No live ISR member: nobody leads, and node 1 stays a replica with its data.
        records.add(new PartitionChangeRecord(TOPIC_ID, 0, PartitionRecord.NO_LEADER, null, 1, 1));
        publish();
        assertThat(dir.resolve("t-0")).isDirectory();
        assertThat(replicas.hostedPartitions()).hasSize(1);

        // A completed reassignment from [1, 2] to [2, 3]: node 1 is no longer a replica.
        records.add(new PartitionChangeRecord(PartitionChangeRecord.CURRENT_VERSION, TOPIC_ID, 0, 2, List.of(2, 3),
                List.of(2, 3), List.of(), List.of(), 2, 2));
        publish();
        assertThat(dir.resolve("t-0")).doesNotExist();
        assertThat(replicas.hostedPartitions()).isEmpty();
        assertThat(logs.partitions()).isEmpty();
    }

    @Test
    void aWriteWaitingOnALeaderThatAReassignmentMovesAwayIsToldToRetryAtOnce() throws Exception {
        Partition leader = replicas.leaderPartition(image, "t", 0, -1).partition();
        Partition.AppendResult write = leader.appendAsLeader(org.apache.kafka.common.record.internal.MemoryRecords.withRecords(
                org.apache.kafka.common.compress.Compression.NONE,
                new org.apache.kafka.common.record.internal.SimpleRecord("v".getBytes())), -1);
        CompletableFuture<List<org.apache.kafka.common.protocol.Errors>> acks = replicas.awaitAcks(List.of(write), 120_000);
        assertThat(acks).as("waits for node 2").isNotDone();

        // The balancer's move from [1, 2] to [2, 3] starts with leadership on node 2 and node 3 being added.
        records.add(new PartitionChangeRecord(PartitionChangeRecord.CURRENT_VERSION, TOPIC_ID, 0, 2, List.of(1, 2),
                List.of(2, 3, 1), List.of(3), List.of(1), 1, 1));
        publish();
        // Far sooner than the write's 120 s timeout: the client goes to the new leader now.
        assertThat(acks.get(10, java.util.concurrent.TimeUnit.SECONDS))
                .containsExactly(org.apache.kafka.common.protocol.Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(replicas.moveProgress()).as("node 1 no longer leads").isEmpty();
    }

    @Test
    void theTopicIdFileRecordsEveryLogOfATopicCreatedOrDeletedInOneChange() throws Exception {
        Path idFile = dir.resolve("partition-topic-ids");
        UUID big = new UUID(8, 8);
        try (ReplicaManager withFile = new ReplicaManager(1, logs, LogConfig.defaults(), idFile,
                ReplicationConfig.defaults(), () -> 1L,
                request -> CompletableFuture.failedFuture(new IllegalStateException("no controller in this test")))) {
            records.add(new TopicRecord("big", big));
            for (int p = 0; p < 200; p++) {
                records.add(new PartitionRecord(big, p, List.of(2, 1), List.of(2, 1), 2, 0, 0));
            }
            MetadataImage created = MetadataImage.fromRecords(image.offset() + 1, records);
            withFile.onMetadataChange(image, created);
            assertThat(new TopicIdFile(idFile).load()).hasSize(201).containsEntry(new TopicPartition("big", 199), big)
                    .containsEntry(new TopicPartition("t", 0), TOPIC_ID);

            records.add(new RemoveTopicRecord(big));
            MetadataImage deleted = MetadataImage.fromRecords(created.offset() + 1, records);
            withFile.onMetadataChange(created, deleted);
            assertThat(new TopicIdFile(idFile).load()).containsOnlyKeys(new TopicPartition("t", 0));
            assertThat(logs.partitions()).containsOnly(new TopicPartition("t", 0));
        }
    }

    @Test
    void aRestartedNodeDeletesTheLogsThatBecameStrayWhileItWasDownOnceItsRegistrationIsInTheImage() throws Exception {
        Path idFile = dir.resolve("partition-topic-ids");
        UUID gone = new UUID(8, 8);
        List<MetadataRecord> before = new ArrayList<>(records);
        before.add(new TopicRecord("gone", gone));
        before.add(new PartitionRecord(gone, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0));
        before.add(new PartitionRecord(TOPIC_ID, 1, List.of(2, 1), List.of(2, 1), 2, 0, 0));
        java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong(1);
        try (ReplicaManager first = new ReplicaManager(1, logs, LogConfig.defaults(), idFile,
                ReplicationConfig.defaults(), epoch::get,
                request -> CompletableFuture.failedFuture(new IllegalStateException("no controller in this test")))) {
            first.onMetadataChange(MetadataImage.EMPTY, MetadataImage.fromRecords(5, before));
        }
        assertThat(logs.partitions()).containsOnly(new TopicPartition("t", 0), new TopicPartition("t", 1),
                new TopicPartition("gone", 0));

        // While node 1 was down: "gone" was deleted and t-1 moved to [2, 3]; node 1 registers again with epoch 9.
        List<MetadataRecord> after = new ArrayList<>(records);
        after.add(new PartitionRecord(TOPIC_ID, 1, List.of(2, 3), List.of(2, 3), 2, 1, 1));
        epoch.set(-1);
        try (ReplicaManager restarted = new ReplicaManager(1, logs, LogConfig.defaults(), idFile,
                ReplicationConfig.defaults(), epoch::get,
                request -> CompletableFuture.failedFuture(new IllegalStateException("no controller in this test")))) {
            MetadataImage replayed = MetadataImage.fromRecords(20, after);
            restarted.onMetadataChange(MetadataImage.EMPTY, replayed);
            assertThat(logs.partitions()).as("not registered yet: nothing is decided").hasSize(3);

            epoch.set(9);
            MetadataImage stale = replayed.withOffset(21);
            restarted.onMetadataChange(replayed, stale);
            assertThat(logs.partitions()).as("the image still shows the previous incarnation (epoch 1)").hasSize(3);

            after.add(new RegisterBrokerRecord(1, 9, new UUID(1, 1),
                    List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT")), null, false));
            MetadataImage registered = MetadataImage.fromRecords(22, after);
            restarted.onMetadataChange(stale, registered);
            assertThat(logs.partitions()).containsOnly(new TopicPartition("t", 0));
            assertThat(dir.resolve("gone-0")).doesNotExist();
            assertThat(dir.resolve("t-1")).doesNotExist();
            assertThat(new TopicIdFile(idFile).load()).containsOnlyKeys(new TopicPartition("t", 0));
            assertThat(restarted.hostedPartitions()).extracting(p -> p.topicPartition().toString()).containsExactly("t-0");
        }
    }

    @Test
    void isrChangesOfManyPartitionsGoToTheControllerInOneRequest() throws Exception {
        List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        ReplicaManager.IsrChannel controller = new ReplicaManager.IsrChannel() {
            @Override
            public CompletableFuture<io.weir.controller.partition.AlterPartitionReply> alterPartition(
                    io.weir.controller.partition.AlterPartitionRequest request) {
                throw new AssertionError("ISR changes are sent in batches");
            }

            @Override
            public CompletableFuture<List<io.weir.controller.partition.AlterPartitionReply>> alterPartitions(
                    List<io.weir.controller.partition.AlterPartitionRequest> requests) {
                batchSizes.add(requests.size());
                return CompletableFuture.completedFuture(requests.stream().map(r ->
                        new io.weir.controller.partition.AlterPartitionReply(io.weir.controller.ApiStatus.OK,
                                r.brokerId(), r.leaderEpoch(), r.newIsr(), r.partitionEpoch() + 1)).toList());
            }
        };
        UUID many = new UUID(9, 9);
        try (ReplicaManager leader = new ReplicaManager(1, logs, LogConfig.defaults(), null,
                ReplicationConfig.defaults().withReplicaLagTimeMaxMs(100), () -> 1L, controller)) {
            records.add(new TopicRecord("many", many));
            for (int p = 0; p < 300; p++) {
                records.add(new PartitionRecord(many, p, List.of(1, 2), List.of(1, 2), 1, 0, 0));
            }
            leader.onMetadataChange(image, MetadataImage.fromRecords(image.offset() + 1, records));
            // Node 2 never fetches: once it lags, every partition's ISR shrinks to [1] at the same check.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (leader.underReplicatedPartitions() < 301 && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(leader.underReplicatedPartitions()).isEqualTo(301);
            Thread.sleep(600); // a few more checks: nothing is left to send
        }
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).as("one change per partition").isEqualTo(301);
        // Partitions start lagging as their logs are created, so a slow machine may spread them over a few checks.
        assertThat(batchSizes).as("batched, not one request per partition").hasSizeLessThan(10);
    }

    private void publish() {
        MetadataImage next = MetadataImage.fromRecords(image.offset() + 1, records);
        replicas.onMetadataChange(image, next);
        image = next;
    }
}
