package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.weir.controller.image.PartitionRegistration;
import io.weir.storage.LogConfig;
import io.weir.storage.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.StaleBrokerEpochException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition's leader side over a real log, driven call by call with a hand-moved clock: the
 * high watermark has one writer, acks=all waits for the ISR, and only a registered follower
 * moves it.
 */
class PartitionTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    /** Broker 2's registered epoch in these tests. */
    private static final long EPOCH_2 = 42;

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(1_000);
    private final List<TopicPartition> changes = new ArrayList<>();
    private final Purgatory purgatory = new Purgatory();
    private PartitionLog log;
    private Partition partition;

    @BeforeEach
    void open() {
        log = PartitionLog.open(TP, dir.resolve("t-0"), LogConfig.defaults(), Clock.systemUTC());
        PartitionChanges toPurgatory = PartitionChanges.of(purgatory);
        partition = new Partition(1, TP, new UUID(1, 1), log, clock::get, new PartitionChanges() {
            @Override
            public void changed(TopicPartition tp) {
                record(tp);
                toPurgatory.changed(tp);
            }

            @Override
            public void highWatermarkMoved(TopicPartition tp) {
                record(tp);
                toPurgatory.highWatermarkMoved(tp);
            }

            @Override
            public void appended(TopicPartition tp) {
                record(tp);
                toPurgatory.appended(tp);
            }

            private void record(TopicPartition tp) {
                synchronized (changes) {
                    changes.add(tp);
                }
            }
        }, p -> { });
    }

    @AfterEach
    void close() {
        purgatory.close();
        log.close();
    }

    private static PartitionRegistration registration(List<Integer> isr, int leaderEpoch, int partitionEpoch) {
        return new PartitionRegistration(List.of(1, 2), isr, List.of(), List.of(), 1, leaderEpoch, partitionEpoch);
    }

    private static MemoryRecords batch(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1L, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    private Partition.ReadInfo followerFetch(long epoch, long offset, boolean record) {
        return partition.fetchAsFollower(2, epoch, EPOCH_2, offset, -1, 1 << 20, true, record);
    }

    @Test
    void aReplicaBeingAddedIsThrottledAndTrackedUntilItIsTakenIntoTheIsr() {
        PartitionRegistration moving = new PartitionRegistration(List.of(1, 2), List.of(1), List.of(2), List.of(), 1, 1, 1);
        partition.makeLeader(moving, 1);
        String kib = "x".repeat(1024);
        for (int i = 0; i < 10; i++) partition.appendAsLeader(batch(kib), -1);
        long size = partition.sizeInBytes();
        assertThat(partition.throttledReplica(2)).isTrue();
        assertThat(partition.throttledReplica(1)).as("the leader itself").isFalse();
        assertThat(partition.moveProgress()).singleElement().satisfies(m -> {
            assertThat(m.replica()).isEqualTo(2);
            assertThat(m.replicaLogEndOffset()).as("no fetch yet").isEqualTo(-1);
            assertThat(m.bytesRemaining()).isEqualTo(size);
        });

        followerFetch(EPOCH_2, 8, true);
        assertThat(partition.moveProgress()).singleElement().satisfies(m -> {
            assertThat(m.replicaLogEndOffset()).isEqualTo(8);
            assertThat(m.bytesRemaining()).as("two of ten batches, to the index's 4 KiB")
                    .isBetween(size / 5, size / 5 + 4096);
        });

        followerFetch(EPOCH_2, 10, true);
        assertThat(partition.proposeIsrChange(30_000, id -> true)).as("caught up: expansion proposed").isPresent();
        assertThat(partition.throttledReplica(2)).as("being taken into the ISR: the HW waits for it").isFalse();
        assertThat(partition.moveProgress()).isEmpty();
    }

    @Test
    void aReplicaInTheIsrOrNotBeingAddedIsNeverThrottled() {
        partition.makeLeader(new PartitionRegistration(List.of(1, 2), List.of(1, 2), List.of(2), List.of(), 1, 1, 1), 1);
        assertThat(partition.throttledReplica(2)).as("adding, but already in the ISR").isFalse();
        partition.makeLeader(registration(List.of(1), 2, 2), 1);
        assertThat(partition.throttledReplica(2)).as("out of the ISR, but not being added").isFalse();
        partition.makeFollower(3);
        assertThat(partition.moveProgress()).isEmpty();
    }

    @Test
    void theLeaderAloneInTheIsrCommitsAtOnce() {
        partition.makeLeader(registration(List.of(1), 1, 1), 1);
        Partition.AppendResult a = partition.appendAsLeader(batch("a", "b"), -1);
        assertThat(a.requiredHighWatermark()).isEqualTo(2);
        assertThat(partition.highWatermark()).isEqualTo(2);
        assertThat(partition.ackState(1, 2)).isEqualTo(LeaderState.AckState.DONE);
    }

    @Test
    void acksAllBelowMinInsyncReplicasWritesNothing() {
        partition.makeLeader(registration(List.of(1), 1, 1), 2);
        assertThatThrownBy(() -> partition.appendAsLeader(batch("a"), -1)).isInstanceOf(NotEnoughReplicasException.class);
        assertThat(partition.logEndOffset()).isZero();
        assertThat(partition.appendAsLeader(batch("a"), 1).firstOffset()).as("acks=1 still writes").isZero();
    }

    @Test
    void theHighWatermarkWaitsForTheFollowerInTheIsr() {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 2);
        partition.appendAsLeader(batch("a", "b", "c"), -1);
        assertThat(partition.highWatermark()).isZero();
        followerFetch(EPOCH_2, 2, true);
        assertThat(partition.highWatermark()).isEqualTo(2);
        assertThat(followerFetch(EPOCH_2, 3, true).highWatermark()).isEqualTo(3);
        assertThat(partition.ackState(1, 3)).isEqualTo(LeaderState.AckState.DONE);
    }

    @Test
    void aFetchPosingAsAFollowerWithTheWrongBrokerEpochMovesNothing() {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 2);
        partition.appendAsLeader(batch("a"), -1);
        assertThatThrownBy(() -> followerFetch(EPOCH_2 - 1, 1, true)).isInstanceOf(StaleBrokerEpochException.class);
        assertThatThrownBy(() -> followerFetch(-1, 1, true)).isInstanceOf(StaleBrokerEpochException.class);
        assertThatThrownBy(() -> partition.fetchAsFollower(3, 7, 7, 1, -1, 1 << 20, true, true))
                .as("a broker that is not a replica").isInstanceOf(NotLeaderOrFollowerException.class);
        assertThat(partition.highWatermark()).isZero();
    }

    @Test
    void aParkedFollowerFetchRecordsItsPositionOnArrivalOnly() {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 1);
        partition.appendAsLeader(batch("a"), 1);
        followerFetch(EPOCH_2, 1, false);
        assertThat(partition.highWatermark()).as("a re-check records nothing").isZero();
        followerFetch(EPOCH_2, 1, true);
        assertThat(partition.highWatermark()).isEqualTo(1);
    }

    @Test
    void deleteRecordsMovesTheLeadersLogStartOffsetUpToTheHighWatermarkOnly() {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 1);
        partition.appendAsLeader(batch("a", "b", "c"), 1);
        followerFetch(EPOCH_2, 2, true);
        changes.clear();
        assertThatThrownBy(() -> partition.deleteRecordsBefore(3)).as("past the HW")
                .isInstanceOf(OffsetOutOfRangeException.class);
        assertThatThrownBy(() -> partition.deleteRecordsBefore(-2)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(partition.deleteRecordsBefore(1)).isEqualTo(1);
        assertThat(partition.deleteRecordsBefore(-1)).as("-1 is the HW").isEqualTo(2);
        assertThat(partition.logStartOffset()).isEqualTo(2);
        assertThat(changes).as("announced").contains(TP);
        assertThatThrownBy(() -> partition.read(1, -1, 1 << 20, true)).isInstanceOf(OffsetOutOfRangeException.class);

        partition.makeFollower(2);
        assertThatThrownBy(() -> partition.deleteRecordsBefore(2)).isInstanceOf(NotLeaderOrFollowerException.class);
    }

    @Test
    void aFormerLeaderRefusesAppendsAndItsWaitingWritesAreToldToRetry() throws Exception {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 1);
        Partition.AppendResult a = partition.appendAsLeader(batch("a"), -1);
        CompletableFuture<List<Errors>> acks = DelayedAcks.await(purgatory, List.of(a), 30_000);
        assertThat(acks).isNotDone();
        partition.makeFollower(2);
        assertThat(acks.get(10, TimeUnit.SECONDS)).containsExactly(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThatThrownBy(() -> partition.appendAsLeader(batch("b"), 1)).isInstanceOf(NotLeaderOrFollowerException.class);
    }

    @Test
    void waitingWritesCompleteWhenTheFollowerCatchesUpOrTimeOut() throws Exception {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 1);
        Partition.AppendResult first = partition.appendAsLeader(batch("a"), -1);
        CompletableFuture<List<Errors>> acked = DelayedAcks.await(purgatory, List.of(first), 30_000);
        Partition.AppendResult second = partition.appendAsLeader(batch("b"), -1);
        CompletableFuture<List<Errors>> timedOut = DelayedAcks.await(purgatory, List.of(second), 200);
        followerFetch(EPOCH_2, 1, true);
        assertThat(acked.get(10, TimeUnit.SECONDS)).containsExactly(Errors.NONE);
        assertThat(timedOut.get(10, TimeUnit.SECONDS)).containsExactly(Errors.REQUEST_TIMED_OUT);
    }

    @Test
    void theFollowerFetchThatCommitsAWriteAnswersItsAcksAllOnItsOwnThread() {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 1);
        Partition.AppendResult a = partition.appendAsLeader(batch("a"), -1);
        CompletableFuture<List<Errors>> acks = DelayedAcks.await(purgatory, List.of(a), 60_000);
        await().until(() -> purgatory.watching(TP) == 1);
        try (StuckPurgatoryThread stuck = new StuckPurgatoryThread(purgatory)) {
            followerFetch(EPOCH_2, 1, true);
            assertThat(acks).as("answered before the fetch returns, with the purgatory thread held")
                    .isCompletedWithValue(List.of(Errors.NONE));
        }
    }

    @Test
    void aLeaderAppendAnswersTheParkedFollowerFetchOnTheAppendingThread() {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 1);
        CompletableFuture<Long> fetched = new CompletableFuture<>();
        purgatory.park(new Purgatory.DelayedOperation() {
            @Override
            public synchronized boolean tryComplete() {
                Partition.ReadInfo read = followerFetch(EPOCH_2, 0, false);
                if (read.records().sizeInBytes() == 0) return false;
                fetched.complete(read.logEndOffset());
                return true;
            }

            @Override
            public void forceComplete() {
                fetched.complete(-1L);
            }

            @Override
            public Purgatory.WaitsFor waitsFor() {
                return Purgatory.WaitsFor.DATA;
            }
        }, List.of(TP), 60_000);
        await().until(() -> purgatory.watching(TP) == 1);
        try (StuckPurgatoryThread stuck = new StuckPurgatoryThread(purgatory)) {
            partition.appendAsLeader(batch("a"), -1);
            assertThat(fetched).as("answered before the append returns, with the purgatory thread held")
                    .isCompletedWithValue(1L);
        }
    }

    @Test
    void anErrorAnsweringAParkedFetchOnTheAppendingThreadDoesNotFailTheAppend() {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 1);
        java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
        CompletableFuture<Long> fetched = new CompletableFuture<>();
        purgatory.park(new Purgatory.DelayedOperation() {
            @Override
            public synchronized boolean tryComplete() {
                int check = checks.incrementAndGet();
                if (check == 1) return false; // at registration
                if (check == 2) throw new OutOfMemoryError("Cannot reserve 1048576 bytes of direct buffer memory");
                fetched.complete(partition.logEndOffset());
                return true;
            }

            @Override
            public void forceComplete() {
                fetched.complete(-1L);
            }

            @Override
            public Purgatory.WaitsFor waitsFor() {
                return Purgatory.WaitsFor.DATA;
            }
        }, List.of(TP), 60_000);
        await().until(() -> purgatory.watching(TP) == 1);
        // The batch is in the log: the producer must hear so, or it writes it again.
        Partition.AppendResult a = partition.appendAsLeader(batch("a"), -1);
        assertThat(a.lastOffset()).isEqualTo(0);
        assertThat(log.logEndOffset()).isEqualTo(1);
        await().untilAsserted(() -> assertThat(fetched).as("the purgatory thread answers it").isCompletedWithValue(1L));
    }

    @Test
    void aCommittedIsrShrinkBelowMinInsyncAnswersNotEnoughReplicasAfterAppend() {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 2);
        partition.appendAsLeader(batch("a"), -1);
        clock.addAndGet(60_000);
        Partition.IsrProposal shrink = partition.proposeIsrChange(30_000, id -> true).orElseThrow();
        assertThat(shrink.proposedIsr()).containsExactly(1);
        partition.onIsrCommitted(1, shrink.proposedIsr(), 2);
        assertThat(partition.highWatermark()).as("the ISR is the leader alone now").isEqualTo(1);
        assertThat(partition.ackState(1, 1)).isEqualTo(LeaderState.AckState.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    }

    @Test
    void everyChangeThatWaitingRequestsDependOnIsAnnounced() {
        partition.makeLeader(registration(List.of(1, 2), 1, 1), 1);
        partition.appendAsLeader(batch("a"), 1);
        followerFetch(EPOCH_2, 1, true);
        partition.makeFollower(2);
        synchronized (changes) {
            assertThat(changes).as("leadership, append, HW move, loss of leadership").hasSize(4);
        }
    }
}
