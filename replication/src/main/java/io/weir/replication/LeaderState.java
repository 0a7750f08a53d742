package io.weir.replication;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * What the leader of one partition knows about its replicas: each follower's log end offset
 * (from its fetches) and when it was last caught up. Decides the high watermark and the ISR
 * changes to propose to the controller, with Kafka's rules. Pure: no threads, sockets or
 * clocks (time is passed in), so tests drive it fetch by fetch. Not thread-safe; the
 * caller serialises access per partition.
 *
 * <ul>
 *   <li>A follower is caught up at a fetch whose offset reaches the leader's LEO at that
 *       moment, or reaches the LEO the leader had at the follower's previous fetch.</li>
 *   <li>HW = the minimum LEO over the ISR, the leader included; it never moves back while
 *       this node leads.</li>
 *   <li>Shrink: an ISR follower not caught up for longer than {@code replica.lag.time.max.ms}.
 *       Expand: a follower outside the ISR whose LEO has reached the HW and the start of the
 *       current leader epoch, and that the metadata shows eligible (registered and unfenced, as
 *       Kafka's {@code isReplicaIsrEligible}). A fenced follower is never proposed, since the
 *       controller would refuse it (INELIGIBLE_REPLICA) at every check until it returned, and
 *       what it reported is forgotten: once unfenced it rejoins only after fetching again.</li>
 * </ul>
 */
public final class LeaderState {
    private static final class Follower {
        long logEndOffset = -1;
        long lastCaughtUpTimeMs;
        long lastFetchLeaderLogEndOffset = -1;
        long lastFetchTimeMs;

        Follower(long nowMs) {
            lastCaughtUpTimeMs = nowMs;
        }
    }

    private final int localId;
    private final int leaderEpoch;
    private final long leaderEpochStartOffset;
    private final List<Integer> replicas;
    private final Map<Integer, Follower> followers = new HashMap<>();
    private List<Integer> isr;
    private int partitionEpoch;
    private long highWatermark;
    /** An ISR change sent to the controller and not yet seen committed; none is proposed meanwhile. */
    private List<Integer> pendingIsr;

    /**
     * @param leaderEpochStartOffset the leader's LEO when it became leader in this epoch
     * @param highWatermark          the log's high watermark when leadership started
     */
    public LeaderState(int localId, int leaderEpoch, int partitionEpoch, List<Integer> replicas, List<Integer> isr,
            long leaderEpochStartOffset, long highWatermark, long nowMs) {
        if (!replicas.contains(localId) || !isr.contains(localId)) {
            throw new IllegalArgumentException("Leader " + localId + " must be a replica and in the ISR: replicas "
                    + replicas + ", ISR " + isr);
        }
        this.localId = localId;
        this.leaderEpoch = leaderEpoch;
        this.partitionEpoch = partitionEpoch;
        this.replicas = List.copyOf(replicas);
        this.isr = List.copyOf(isr);
        this.leaderEpochStartOffset = leaderEpochStartOffset;
        this.highWatermark = highWatermark;
        for (int r : replicas) {
            if (r != localId) {
                followers.put(r, new Follower(nowMs));
            }
        }
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public int partitionEpoch() {
        return partitionEpoch;
    }

    public List<Integer> isr() {
        return isr;
    }

    public List<Integer> replicas() {
        return replicas;
    }

    public long highWatermark() {
        return highWatermark;
    }

    public boolean isReplica(int brokerId) {
        return followers.containsKey(brokerId);
    }

    /** The follower's log end offset as last reported, or -1 before its first fetch. */
    public long followerLogEndOffset(int brokerId) {
        Follower f = followers.get(brokerId);
        return f == null ? -1 : f.logEndOffset;
    }

    /**
     * Records a follower's fetch at {@code fetchOffset} (its LEO) while the leader's LEO is
     * {@code leaderLogEndOffset}, and returns the high watermark afterwards.
     */
    public long onFollowerFetch(int brokerId, long fetchOffset, long leaderLogEndOffset, long nowMs) {
        Follower f = followers.get(brokerId);
        if (f == null) {
            throw new IllegalArgumentException("Broker " + brokerId + " is not a follower of this partition");
        }
        if (fetchOffset >= leaderLogEndOffset) {
            f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, nowMs);
        } else if (fetchOffset >= f.lastFetchLeaderLogEndOffset && f.lastFetchLeaderLogEndOffset >= 0) {
            f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, f.lastFetchTimeMs);
        }
        f.logEndOffset = fetchOffset;
        f.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
        f.lastFetchTimeMs = nowMs;
        return maybeAdvanceHighWatermark(leaderLogEndOffset);
    }

    /** Recomputes the HW after the leader's own LEO moved (an append); returns it. */
    public long maybeAdvanceHighWatermark(long leaderLogEndOffset) {
        long min = leaderLogEndOffset;
        for (int r : effectiveIsr()) {
            if (r != localId) {
                min = Math.min(min, Math.max(followers.get(r).logEndOffset, 0));
            }
        }
        if (min > highWatermark) {
            highWatermark = min;
        }
        assert highWatermark <= leaderLogEndOffset : "HW " + highWatermark + " > LEO " + leaderLogEndOffset;
        return highWatermark;
    }

    /**
     * The ISR to propose to the controller now, if it should change: lagging followers
     * removed, caught-up eligible ones added. Empty while a proposal is pending.
     *
     * @param eligible whether a broker may join an ISR as of the latest metadata (unfenced)
     */
    public Optional<List<Integer>> proposeIsrChange(long leaderLogEndOffset, long nowMs, long replicaLagTimeMaxMs,
            IntPredicate eligible) {
        if (pendingIsr != null) {
            return Optional.empty();
        }
        forgetIneligibleFollowers(eligible);
        List<Integer> next = new ArrayList<>();
        for (int r : replicas) {
            if (r == localId) {
                next.add(r);
                continue;
            }
            Follower f = followers.get(r);
            boolean inIsr = isr.contains(r);
            if (inIsr && nowMs - f.lastCaughtUpTimeMs <= replicaLagTimeMaxMs) {
                next.add(r);
            } else if (!inIsr && f.logEndOffset >= highWatermark && f.logEndOffset >= leaderEpochStartOffset
                    && nowMs - f.lastCaughtUpTimeMs <= replicaLagTimeMaxMs) {
                next.add(r);
            }
        }
        if (next.equals(isr) || sameMembers(next, isr)) {
            return Optional.empty();
        }
        pendingIsr = List.copyOf(next);
        return Optional.of(pendingIsr);
    }

    /**
     * The earliest time at which {@link #proposeIsrChange} could propose something that it would
     * not propose now, if nothing but time changes: when the first in-sync follower would have
     * lagged longer than {@code replicaLagTimeMaxMs}. Anything else that can change the answer is
     * an event the caller reacts to instead: a follower outside the ISR fetching (expansion), the
     * ISR or leadership changing, a pending proposal being answered, the set of eligible brokers
     * changing. {@link Long#MAX_VALUE} while a proposal is pending or no follower is in sync.
     */
    public long nextIsrCheckMs(long replicaLagTimeMaxMs) {
        if (pendingIsr != null) {
            return Long.MAX_VALUE;
        }
        long next = Long.MAX_VALUE;
        for (int r : isr) {
            Follower f = followers.get(r);
            if (f != null) {
                next = Math.min(next, f.lastCaughtUpTimeMs + replicaLagTimeMaxMs + 1);
            }
        }
        return next;
    }

    /** Whether {@code brokerId} is in the committed ISR. */
    public boolean inIsr(int brokerId) {
        return isr.contains(brokerId);
    }

    private void forgetIneligibleFollowers(IntPredicate eligible) {
        followers.forEach((id, f) -> {
            if (!isr.contains(id) && !eligible.test(id)) {
                f.logEndOffset = -1;
                f.lastFetchLeaderLogEndOffset = -1;
            }
        });
    }

    /** The controller committed a new ISR for this leadership (AlterPartition succeeded, or metadata changed it). */
    public void onIsrCommitted(List<Integer> newIsr, int newPartitionEpoch, long leaderLogEndOffset) {
        if (newPartitionEpoch < partitionEpoch) {
            return;
        }
        isr = List.copyOf(newIsr);
        partitionEpoch = newPartitionEpoch;
        pendingIsr = null;
        maybeAdvanceHighWatermark(leaderLogEndOffset);
    }

    /** The proposal failed (fenced or rejected); a new one may be made on the next check. */
    public void onIsrChangeFailed() {
        pendingIsr = null;
    }

    /** The followers' LEOs and caught-up ages, for logs: "2: LEO 30, caught up 120 ms ago". */
    public String describeFollowers(long nowMs) {
        StringBuilder sb = new StringBuilder();
        for (int r : replicas) {
            Follower f = followers.get(r);
            if (f != null) {
                sb.append(sb.length() == 0 ? "" : "; ").append(r).append(": LEO ").append(f.logEndOffset)
                        .append(", caught up ").append(nowMs - f.lastCaughtUpTimeMs).append(" ms ago");
            }
        }
        return sb.toString();
    }

    /**
     * Whether {@code brokerId} is in the ISR or being added to it: the high watermark waits for
     * it, so no replication throttle may hold it back.
     */
    public boolean inMaximalIsr(int brokerId) {
        return effectiveIsr().contains(brokerId);
    }

    /** For acks=all: whether {@code requiredOffset} is committed, and with enough replicas. */
    public AckState ackState(long requiredOffset, int minInsyncReplicas) {
        if (highWatermark < requiredOffset) {
            return AckState.WAITING;
        }
        return isr.size() < minInsyncReplicas ? AckState.NOT_ENOUGH_REPLICAS_AFTER_APPEND : AckState.DONE;
    }

    /** Outcome of a waiting acks=all produce. */
    public enum AckState {
        WAITING, DONE, NOT_ENOUGH_REPLICAS_AFTER_APPEND
    }

    /**
     * While an expansion is pending, the HW already waits for the follower being added, as
     * Kafka's "maximal ISR" does, so a committed offset never lacks a member of either ISR.
     */
    private List<Integer> effectiveIsr() {
        if (pendingIsr == null) {
            return isr;
        }
        List<Integer> union = new ArrayList<>(isr);
        for (int r : pendingIsr) {
            if (!union.contains(r)) {
                union.add(r);
            }
        }
        return union;
    }

    private static boolean sameMembers(List<Integer> a, List<Integer> b) {
        return a.size() == b.size() && a.containsAll(b);
    }
}
