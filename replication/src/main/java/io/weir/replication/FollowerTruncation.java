package io.weir.replication;

import io.weir.storage.EpochEndOffset;

/**
 * Where a follower truncates when the leader says its log diverges (Kafka's
 * AbstractFetcherThread.getOffsetTruncationState, for fetch-based truncation). Pure.
 */
final class FollowerTruncation {
    private FollowerTruncation() {
    }

    /**
     * @param leaderEpoch      the diverging epoch the leader returned (its largest epoch ≤ our last fetched epoch)
     * @param leaderEndOffset  where that epoch ends in the leader's log
     * @param localEpochEnd    our own answer for {@code leaderEpoch}
     * @param localEndOffset   our LEO
     * @param localHighWatermark our HW, the floor when the leader knows no epochs
     * @return the offset to truncate to; never above our LEO. If our largest epoch ≤ the
     *         leader's differs from it, the truncation is partial and the next fetch (with our new
     *         last epoch) narrows it further.
     */
    static long truncationOffset(int leaderEpoch, long leaderEndOffset, EpochEndOffset localEpochEnd,
            long localEndOffset, long localHighWatermark) {
        if (leaderEndOffset < 0) {
            return Math.min(localHighWatermark, localEndOffset);
        }
        if (leaderEpoch < 0 || localEpochEnd.endOffset() < 0) {
            return Math.min(leaderEndOffset, localEndOffset);
        }
        if (localEpochEnd.leaderEpoch() != leaderEpoch) {
            return Math.min(localEpochEnd.endOffset(), localEndOffset);
        }
        return Math.min(Math.min(leaderEndOffset, localEpochEnd.endOffset()), localEndOffset);
    }
}
