package io.weir.replication;

import io.weir.controller.image.PartitionRegistration;
import io.weir.storage.InvalidRecordTimestampsException;
import io.weir.storage.InvalidRecordsException;
import io.weir.storage.EpochEndOffset;
import io.weir.storage.LogAppendInfo;
import io.weir.storage.LogReadResult;
import io.weir.storage.PartitionLog;
import io.weir.storage.TimestampAndOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.StaleBrokerEpochException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.ListOffsetsRequest;

/**
 * One partition hosted on this node: its log and, while this node leads it, its
 * {@link LeaderState}. It is the only writer of the partition's high watermark and of the
 * leader's view of the ISR, and the one place request handlers reach a partition through:
 * leader appends, consumer and follower fetches, offset lookups.
 *
 * <p>Locking, as Kafka's {@code Partition} does it: role and ISR changes take the write side of
 * a read-write lock, leader appends its read side, so an append never straddles a leadership
 * or ISR change and its {@code min.insync.replicas} check sees the ISR it appends under; the
 * {@link LeaderState} (follower positions, the high watermark) is guarded by this object's
 * monitor, held only for those short updates, so a follower's fetch never waits for a disk
 * write in progress. Reads take no partition lock (the log has its own read lock). Order:
 * the role lock before the monitor, never the reverse.
 */
public final class Partition {
    private final int localId;
    private final TopicPartition topicPartition;
    private final UUID topicId;
    private final PartitionLog log;
    private final LongSupplier clockMs;
    /** Told of every change requests may wait for: appends, high-watermark moves, role changes. */
    private final PartitionChanges changes;
    private final ReentrantReadWriteLock roleLock = new ReentrantReadWriteLock();
    /** Non-null while this node leads the partition. */
    private LeaderState leader;
    /** {@code leader != null}, readable without the lock (every request's partition lookup reads it). */
    private volatile boolean leading;
    /** The leader epoch of the leadership or followership last applied; -1 before the first. */
    private volatile int leaderEpoch = -1;
    private int minInsyncReplicas = 1;
    /** The replicas a reassignment is adding, while this node leads; read by every replica fetch. */
    private volatile java.util.Set<Integer> addingReplicas = java.util.Set.of();
    /** The last ISR-change failure logged, so a retry failing the same way is not logged again. */
    private String lastIsrFailure;
    /**
     * Told when the ISR check should look at this partition at its next run: something happened
     * that may change its ISR proposal other than time passing ({@link LeaderState#nextIsrCheckMs}).
     */
    private final Consumer<Partition> isrCheckWanted;

    Partition(int localId, TopicPartition topicPartition, UUID topicId, PartitionLog log, LongSupplier clockMs,
              Consumer<TopicPartition> changed) {
        this(localId, topicPartition, topicId, log, clockMs, PartitionChanges.announcing(changed), p -> { });
    }

    Partition(int localId, TopicPartition topicPartition, UUID topicId, PartitionLog log, LongSupplier clockMs,
              PartitionChanges changes, Consumer<Partition> isrCheckWanted) {
        this.changes = changes;
        this.isrCheckWanted = isrCheckWanted;
        this.localId = localId;
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.log = log;
        this.clockMs = clockMs;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public UUID topicId() {
        return topicId;
    }

    PartitionLog log() {
        return log;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public boolean isLeader() {
        return leading;
    }

    public long highWatermark() {
        return log.highWatermark();
    }

    public long logStartOffset() {
        return log.logStartOffset();
    }

    public long logEndOffset() {
        return log.logEndOffset();
    }

    /** Bytes of the log's live batches (DescribeLogDirs' partition size). */
    public long sizeInBytes() {
        return log.sizeInBytes();
    }

    // ---- role changes, from ReplicaManager's reconciliation with the metadata image ----

    /**
     * Leads the partition as {@code registration} says (this node is its leader). A new leader
     * epoch or replica set starts a fresh {@link LeaderState}: followers get a full lag period
     * from now. The same leadership with a newer partition epoch takes the committed ISR.
     *
     * @return whether the leadership or the high watermark changed (waiting requests re-check)
     */
    boolean makeLeader(PartitionRegistration registration, int minInsyncReplicas) {
        return underRoleChange(() -> makeLeaderLocked(registration, minInsyncReplicas));
    }

    private synchronized boolean makeLeaderLocked(PartitionRegistration registration, int minInsyncReplicas) {
        this.minInsyncReplicas = minInsyncReplicas;
        this.addingReplicas = java.util.Set.copyOf(registration.addingReplicas());
        if (leader != null && leader.leaderEpoch() == registration.leaderEpoch()
                && leader.replicas().equals(registration.replicas())) {
            if (registration.partitionEpoch() <= leader.partitionEpoch()) {
                return false;
            }
            leader.onIsrCommitted(registration.isr(), registration.partitionEpoch(), log.logEndOffset());
            publishHighWatermark();
            changes.changed(topicPartition);
            isrCheckWanted.accept(this);
            return true;
        }
        leader = new LeaderState(localId, registration.leaderEpoch(), registration.partitionEpoch(),
                registration.replicas(), registration.isr(), log.logEndOffset(), log.highWatermark(), clockMs.getAsLong());
        leading = true;
        isrCheckWanted.accept(this);
        leaderEpoch = registration.leaderEpoch();
        lastIsrFailure = null;
        leader.maybeAdvanceHighWatermark(log.logEndOffset());
        publishHighWatermark();
        changes.changed(topicPartition);
        return true;
    }

    /** Follows the partition's leader in {@code leaderEpoch}; the follower's fetcher writes the log. */
    void makeFollower(int leaderEpoch) {
        underRoleChange(() -> {
            makeFollowerLocked(leaderEpoch);
            return null;
        });
    }

    private synchronized void makeFollowerLocked(int leaderEpoch) {
        boolean wasLeading = leader != null;
        leader = null;
        leading = false;
        addingReplicas = java.util.Set.of();
        this.leaderEpoch = leaderEpoch;
        if (wasLeading) {
            changes.changed(topicPartition);
        }
    }

    /** The partition left this node (deleted or reassigned away). */
    void stop() {
        underRoleChange(() -> {
            synchronized (this) {
                leader = null;
                leading = false;
                leaderEpoch = -1;
                addingReplicas = java.util.Set.of();
            }
            changes.changed(topicPartition);
            return null;
        });
    }

    /** Runs a role or ISR change once no append is in progress, and keeps new ones out meanwhile. */
    private <T> T underRoleChange(Supplier<T> change) {
        roleLock.writeLock().lock();
        try {
            return change.get();
        } finally {
            roleLock.writeLock().unlock();
        }
    }

    // ---- leader side ----

    /**
     * Appends a producer's batches as leader. With {@code requiredAcks == -1} the write is
     * refused (nothing written) while the ISR is smaller than {@code min.insync.replicas}.
     * Throws Kafka's exceptions for every refusal (callers map them with
     * {@code Errors.forException}), or {@link RecordValidationException} naming the refused records;
     * nothing is written then.
     */
    public AppendResult appendAsLeader(MemoryRecords records, int requiredAcks) {
        AppendResult result;
        roleLock.readLock().lock();
        try {
            LeaderState state;
            synchronized (this) {
                state = leaderOrThrow();
                if (requiredAcks == -1 && state.isr().size() < minInsyncReplicas) {
                    throw new NotEnoughReplicasException("ISR " + state.isr() + " of " + topicPartition
                            + " is smaller than min.insync.replicas " + minInsyncReplicas);
                }
            }
            // The disk write, outside the monitor: followers' fetches go on meanwhile.
            LogAppendInfo info;
            try {
                info = log.appendAsLeader(records, state.leaderEpoch());
            } catch (InvalidRecordTimestampsException e) {
                throw new RecordValidationException(e, e.records());
            } catch (InvalidRecordsException e) {
                throw new RecordValidationException(e, e.records());
            }
            synchronized (this) {
                state.maybeAdvanceHighWatermark(log.logEndOffset());
                publishHighWatermark();
            }
            result = new AppendResult(this, state.leaderEpoch(), info.firstOffset(), info.lastOffset(),
                    info.logAppendTime(), log.logStartOffset(), info.duplicate());
        } finally {
            roleLock.readLock().unlock();
        }
        // With no lock of this partition held: the followers' parked fetches are answered here.
        if (!result.duplicate()) {
            changes.appended(topicPartition);
        }
        return result;
    }

    /**
     * Kafka's DeleteRecords on the leader: moves the log start offset to {@code offset} ({@code -1}
     * for the high watermark), persisted before it returns. Offsets past the high watermark, or
     * negative ones other than -1, are OFFSET_OUT_OF_RANGE; a non-leader throws
     * NOT_LEADER_OR_FOLLOWER. Followers follow the leader's log start offset from its fetch
     * answers.
     *
     * @return the log start offset afterwards (the low watermark Weir reports)
     */
    public long deleteRecordsBefore(long offset) {
        roleLock.readLock().lock();
        try {
            synchronized (this) {
                leaderOrThrow();
            }
            long target = offset == -1 ? log.highWatermark() : offset;
            if (target < 0) {
                throw new OffsetOutOfRangeException("Cannot delete records of " + topicPartition + " before " + offset);
            }
            long logStart = log.advanceLogStartOffset(target);
            changes.changed(topicPartition);
            return logStart;
        } finally {
            roleLock.readLock().unlock();
        }
    }

    /** For acks=all: where the write ending at {@code requiredOffset} (exclusive) stands. */
    synchronized LeaderState.AckState ackState(int appendLeaderEpoch, long requiredOffset) {
        if (leader == null || leader.leaderEpoch() != appendLeaderEpoch) {
            return null;
        }
        return leader.ackState(requiredOffset, minInsyncReplicas);
    }

    /**
     * A consumer's (or a debugging tool's) read: up to the high watermark. When
     * {@code lastFetchedEpoch} is set and the reader's log has a tail this leader's log does
     * not, the answer is the diverging epoch instead of records.
     */
    public ReadInfo read(long fetchOffset, int lastFetchedEpoch, int maxBytes, boolean minOneMessage) {
        return read(fetchOffset, lastFetchedEpoch, maxBytes, minOneMessage, FetchMemory.HEAP);
    }

    /** {@link #read(long, int, int, boolean)} into memory the caller owns (see {@link FetchMemory}). */
    public ReadInfo read(long fetchOffset, int lastFetchedEpoch, int maxBytes, boolean minOneMessage,
                         FetchMemory memory) {
        Optional<EpochEnd> diverging = divergingEpoch(lastFetchedEpoch, fetchOffset);
        if (diverging.isPresent()) {
            return ReadInfo.diverging(diverging.get(), log.highWatermark(), log.logStartOffset(), log.logEndOffset());
        }
        return ReadInfo.of(log.read(fetchOffset, maxBytes, log.highWatermark(), minOneMessage, memory::allocate));
    }

    /**
     * A follower's fetch: checks that {@code replicaId} is a replica of this leadership and
     * that {@code replicaEpoch} is the broker epoch it registered with (so no other client can
     * pose as a follower and move the high watermark), records its position (its fetch offset
     * is its log end offset), and reads up to the log end offset. A fetch that waits in the
     * purgatory records the position when it arrives only ({@code recordPosition} false on
     * re-checks), so ISR timing does not depend on how often the purgatory wakes.
     *
     * @param registeredEpoch the replica's broker epoch in the current metadata image, -1 if unknown
     */
    public ReadInfo fetchAsFollower(int replicaId, long replicaEpoch, long registeredEpoch, long fetchOffset,
                                    int lastFetchedEpoch, int maxBytes, boolean minOneMessage, boolean recordPosition) {
        return fetchAsFollower(replicaId, replicaEpoch, registeredEpoch, fetchOffset, lastFetchedEpoch, maxBytes,
                minOneMessage, recordPosition, FetchMemory.HEAP);
    }

    /** {@link #fetchAsFollower(int, long, long, long, int, int, boolean, boolean)} into memory the caller owns. */
    public ReadInfo fetchAsFollower(int replicaId, long replicaEpoch, long registeredEpoch, long fetchOffset,
                                    int lastFetchedEpoch, int maxBytes, boolean minOneMessage, boolean recordPosition,
                                    FetchMemory memory) {
        if (registeredEpoch < 0 || replicaEpoch != registeredEpoch) {
            throw new StaleBrokerEpochException("replica " + replicaId + " fetched " + topicPartition
                    + " with broker epoch " + replicaEpoch + "; its registration has " + registeredEpoch);
        }
        Optional<EpochEnd> diverging = divergingEpoch(lastFetchedEpoch, fetchOffset);
        if (diverging.isPresent()) {
            // A diverging follower's fetch offset is not a position in this log: not recorded.
            return ReadInfo.diverging(diverging.get(), log.highWatermark(), log.logStartOffset(), log.logEndOffset());
        }
        boolean highWatermarkMoved = false;
        synchronized (this) {
            LeaderState state = leaderOrThrow();
            if (!state.isReplica(replicaId)) {
                throw new NotLeaderOrFollowerException("broker " + replicaId + " is not a replica of "
                        + topicPartition + " (replicas " + state.replicas() + ")");
            }
            if (recordPosition) {
                long before = log.highWatermark();
                state.onFollowerFetch(replicaId, fetchOffset, log.logEndOffset(), clockMs.getAsLong());
                publishHighWatermark();
                if (!state.inIsr(replicaId)) {
                    isrCheckWanted.accept(this); // it may have caught up: an expansion to propose
                }
                highWatermarkMoved = log.highWatermark() > before;
            }
        }
        // Outside the monitor: the acks=all produces and consumer fetches this commits are
        // answered on this thread, which then must hold no partition lock.
        if (highWatermarkMoved) {
            changes.highWatermarkMoved(topicPartition);
        }
        return ReadInfo.of(log.read(fetchOffset, maxBytes, log.logEndOffset(), minOneMessage, memory::allocate));
    }

    /**
     * Whether the replication throttles apply to {@code replicaId}'s copy of this partition: a
     * reassignment is adding it and it is not (being taken) into the ISR, as Kafka throttles
     * only replicas out of sync, so a throttle never holds back the high watermark.
     */
    public boolean throttledReplica(int replicaId) {
        if (!addingReplicas.contains(replicaId)) return false;
        synchronized (this) {
            return leader != null && !leader.inMaximalIsr(replicaId);
        }
    }

    /** While this node leads: the copy into each replica a reassignment is adding and the ISR lacks. */
    public List<MoveProgress> moveProgress() {
        List<long[]> moving = new java.util.ArrayList<>();
        synchronized (this) {
            if (leader == null || addingReplicas.isEmpty()) return List.of();
            for (int r : addingReplicas) {
                if (!leader.inMaximalIsr(r)) moving.add(new long[] {r, leader.followerLogEndOffset(r)});
            }
        }
        if (moving.isEmpty()) return List.of();
        long size = log.sizeInBytes();
        long end = log.logEndOffset();
        List<MoveProgress> out = new java.util.ArrayList<>(moving.size());
        for (long[] m : moving) {
            out.add(new MoveProgress(topicPartition, (int) m[0], end, m[1], size, m[1] < 0 ? size : log.bytesFrom(m[1])));
        }
        return out;
    }

    /** Where {@code leaderEpoch} ends in this log (OffsetForLeaderEpoch). */
    public EpochEnd endOffsetForEpoch(int leaderEpoch) {
        EpochEndOffset end = log.endOffsetForEpoch(leaderEpoch);
        return new EpochEnd(end.leaderEpoch(), end.endOffset());
    }

    /**
     * ListOffsets on the leader: earliest, latest, max timestamp or by time. A consumer sees
     * offsets below the high watermark only.
     */
    public Optional<TimestampOffset> offsetForTimestamp(long timestamp, boolean fromConsumer) {
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP && fromConsumer) {
            return Optional.of(new TimestampOffset(-1, log.highWatermark(), leaderEpoch));
        }
        Optional<TimestampAndOffset> found = log.offsetForTimestamp(timestamp);
        if (found.isEmpty() || (fromConsumer && timestamp >= 0 && found.get().offset() >= log.highWatermark())) {
            return Optional.empty();
        }
        return Optional.of(new TimestampOffset(found.get().timestamp(), found.get().offset(),
                found.get().leaderEpoch()));
    }

    /**
     * The idempotent producers this replica's log holds state for (Kafka's DescribeProducers,
     * which any replica answers, leader or follower).
     */
    public List<ProducerState> activeProducers() {
        return log.activeProducers().stream()
                .map(p -> new ProducerState(p.producerId(), p.epoch(), p.lastSequence(), p.lastTimestamp()))
                .toList();
    }

    // ---- ISR changes ----

    /**
     * The AlterPartition to send now, if the ISR should change; none while one is pending.
     *
     * @param eligible whether a broker may join the ISR (unfenced in the latest metadata image)
     */
    synchronized Optional<IsrProposal> proposeIsrChange(long replicaLagTimeMaxMs, IntPredicate eligible) {
        if (leader == null) {
            return Optional.empty();
        }
        long now = clockMs.getAsLong();
        Optional<List<Integer>> proposal = leader.proposeIsrChange(log.logEndOffset(), now, replicaLagTimeMaxMs, eligible);
        return proposal.map(isr -> new IsrProposal(leader.leaderEpoch(), leader.partitionEpoch(), leader.isr(), isr,
                leader.describeFollowers(now), lastIsrFailure != null));
    }

    /** An ISR change sent to the controller. */
    record IsrProposal(int leaderEpoch, int partitionEpoch, List<Integer> currentIsr, List<Integer> proposedIsr,
                       String followers, boolean retry) {
    }

    /**
     * The controller answered an ISR proposal.
     *
     * @return the failure to log, if it is not the same as the last one
     */
    synchronized Optional<String> onIsrChangeFailed(String failure) {
        if (leader != null) {
            leader.onIsrChangeFailed();
            isrCheckWanted.accept(this); // retried at the next check
        }
        boolean repeated = failure.equals(lastIsrFailure);
        lastIsrFailure = failure;
        return repeated ? Optional.empty() : Optional.of(failure);
    }

    void onIsrCommitted(int proposalLeaderEpoch, List<Integer> isr, int partitionEpoch) {
        underRoleChange(() -> {
            onIsrCommittedLocked(proposalLeaderEpoch, isr, partitionEpoch);
            return null;
        });
    }

    private synchronized void onIsrCommittedLocked(int proposalLeaderEpoch, List<Integer> isr, int partitionEpoch) {
        if (leader == null || leader.leaderEpoch() != proposalLeaderEpoch) {
            return;
        }
        lastIsrFailure = null;
        leader.onIsrCommitted(isr, partitionEpoch, log.logEndOffset());
        publishHighWatermark();
        changes.changed(topicPartition);
        isrCheckWanted.accept(this);
    }

    /** When the ISR check must look at this partition again if nothing happens meanwhile; MAX_VALUE: only on an event. */
    synchronized long nextIsrCheckMs(long replicaLagTimeMaxMs) {
        return leader == null ? Long.MAX_VALUE : leader.nextIsrCheckMs(replicaLagTimeMaxMs);
    }

    synchronized boolean underReplicated() {
        return leader != null && leader.isr().size() < leader.replicas().size();
    }

    // ---- follower side (the replica fetcher) ----

    /** The follower's high watermark follows the leader's, never past its own log end. */
    void updateFollowerHighWatermark(long leaderHighWatermark) {
        log.updateHighWatermark(Math.min(leaderHighWatermark, log.logEndOffset()));
    }

    private LeaderState leaderOrThrow() {
        if (leader == null) {
            throw new NotLeaderOrFollowerException("this node does not lead " + topicPartition);
        }
        return leader;
    }

    /** Caller holds this object's lock: the log's high watermark follows the leader state. */
    private void publishHighWatermark() {
        long hw = leader.highWatermark();
        assert hw <= log.logEndOffset() : "HW " + hw + " > LEO " + log.logEndOffset() + " of " + topicPartition;
        log.updateHighWatermark(hw);
    }

    private Optional<EpochEnd> divergingEpoch(int lastFetchedEpoch, long fetchOffset) {
        return DivergingEpoch.check(log, lastFetchedEpoch, fetchOffset)
                .map(e -> new EpochEnd(e.leaderEpoch(), e.endOffset()));
    }

    /** What a leader append wrote, and what an acks=all answer waits for. */
    public record AppendResult(Partition partition, int leaderEpoch, long firstOffset, long lastOffset,
                               long logAppendTime, long logStartOffset, boolean duplicate) {
        /** The high watermark at which the write is committed. */
        public long requiredHighWatermark() {
            return lastOffset + 1;
        }
    }

    /** A read's batches as stored, or the diverging epoch, with the log's bounds at the time. */
    public record ReadInfo(MemoryRecords records, long highWatermark, long logStartOffset, long logEndOffset,
                           Optional<EpochEnd> divergingEpoch) {
        static ReadInfo of(LogReadResult r) {
            return new ReadInfo(r.records(), r.highWatermark(), r.logStartOffset(), r.logEndOffset(), Optional.empty());
        }

        static ReadInfo diverging(EpochEnd epoch, long highWatermark, long logStartOffset, long logEndOffset) {
            return new ReadInfo(MemoryRecords.EMPTY, highWatermark, logStartOffset, logEndOffset, Optional.of(epoch));
        }
    }

    /** Where a leader epoch ends: the largest epoch ≤ the asked one and the first offset after it; -1, -1 if none. */
    /** One producer's state as {@link #activeProducers()} reports it. */
    public record ProducerState(long producerId, short epoch, int lastSequence, long lastTimestamp) {
    }

    public record EpochEnd(int leaderEpoch, long endOffset) {
    }

    /** A ListOffsets answer: the offset, the timestamp of its record (-1 if none), and its leader epoch. */
    public record TimestampOffset(long timestamp, long offset, int leaderEpoch) {
    }
}
