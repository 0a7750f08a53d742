package io.weir.replication;

import io.weir.storage.EpochEndOffset;
import java.util.Optional;
import java.util.function.IntFunction;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * What a follower does with its leader's answer for one partition (Kafka's
 * {@code AbstractFetcherThread.processFetchRequest}, decisions only). Pure: the fetcher thread
 * gathers the inputs, calls this, and carries out the action on the log.
 */
final class FollowerFetchDecision {
    private FollowerFetchDecision() {
    }

    /** The action to carry out. */
    sealed interface Action {
    }

    /** Truncate the log to {@code offset}: the logs diverged, or ours runs past the leader's end. */
    record Truncate(long offset) implements Action {
    }

    /** The leader's log starts past our end: empty the log and start over at {@code offset}. */
    record StartOver(long offset) implements Action {
    }

    /** Append {@code records} (possibly none) and follow the leader's high watermark. */
    record Append(MemoryRecords records, long leaderHighWatermark) implements Action {
    }

    /** Our fetch offset is outside the leader's log: ask for its range, then {@link #onLeaderRange}. */
    record FetchLeaderRange() implements Action {
    }

    /** Fetch this partition again after the backoff; {@code error} is what the leader said. */
    record Backoff(Errors error) implements Action {
    }

    /** The follower's log as the decision needs it. */
    record LocalLog(long logEndOffset, long highWatermark, IntFunction<EpochEndOffset> endOffsetForEpoch) {
    }

    /**
     * @param diverging the leader's diverging epoch (epoch, end offset), if it sent one
     */
    static Action onFetched(Errors error, Optional<EpochEndOffset> diverging, MemoryRecords records,
                            long leaderHighWatermark, LocalLog local) {
        if (error == Errors.OFFSET_OUT_OF_RANGE) {
            return new FetchLeaderRange();
        }
        if (error != Errors.NONE) {
            return new Backoff(error);
        }
        if (diverging.isPresent()) {
            EpochEndOffset d = diverging.get();
            return new Truncate(FollowerTruncation.truncationOffset(d.leaderEpoch(), d.endOffset(),
                    local.endOffsetForEpoch().apply(d.leaderEpoch()), local.logEndOffset(), local.highWatermark()));
        }
        return new Append(records, leaderHighWatermark);
    }

    /**
     * After OFFSET_OUT_OF_RANGE: either the leader's retention moved its log start past our LEO
     * (start over at its log start) or our log is longer than the leader's after an unclean
     * election (truncate to its LEO). Otherwise the range moved meanwhile: fetch again later.
     */
    static Action onLeaderRange(long localLogEndOffset, long leaderLogStartOffset, long leaderLogEndOffset) {
        if (leaderLogStartOffset < 0 || leaderLogEndOffset < 0) {
            return new Backoff(Errors.OFFSET_OUT_OF_RANGE);
        }
        if (localLogEndOffset > leaderLogEndOffset) {
            return new Truncate(leaderLogEndOffset);
        }
        if (localLogEndOffset < leaderLogStartOffset) {
            return new StartOver(leaderLogStartOffset);
        }
        return new Backoff(Errors.OFFSET_OUT_OF_RANGE);
    }
}
