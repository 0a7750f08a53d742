package io.weir.storage;

/**
 * Answer to "where does leader epoch E end in this log" (Kafka's OffsetForLeaderEpoch):
 * the largest epoch ≤ E the log knows and the first offset after it. Both are -1 when the
 * log has no epoch ≤ E.
 */
public record EpochEndOffset(int leaderEpoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1L);
}
