package io.weir.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Leader epoch → first offset written in that epoch, in increasing order of both.
 * Answers Kafka's OffsetForLeaderEpoch so a follower can find where its log diverges.
 * Not thread-safe: {@link PartitionLog} guards it.
 */
final class LeaderEpochCache {
    record Entry(int epoch, long startOffset) {
    }

    private final List<Entry> entries = new ArrayList<>();

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    int latestEpoch() {
        return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).epoch();
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}. Older epochs are ignored;
     * entries at or after {@code startOffset} with a smaller epoch are replaced, as in Kafka.
     */
    void assign(int epoch, long startOffset) {
        if (epoch < 0 || epoch <= latestEpoch()) {
            return;
        }
        entries.removeIf(e -> e.startOffset() >= startOffset);
        entries.add(new Entry(epoch, startOffset));
    }

    /** The epoch in force at {@code offset}: the latest one starting at or before it, or -1. */
    int epochAt(long offset) {
        int epoch = -1;
        for (Entry e : entries) {
            if (e.startOffset() <= offset) {
                epoch = e.epoch();
            }
        }
        return epoch;
    }

    /** Kafka's LeaderEpochFileCache.endOffsetFor semantics. */
    EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        if (requestedEpoch < 0 || entries.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        if (requestedEpoch == latestEpoch()) {
            return new EpochEndOffset(requestedEpoch, logEndOffset);
        }
        Entry floor = null;
        Entry higher = null;
        for (Entry e : entries) {
            if (e.epoch() <= requestedEpoch) {
                floor = e;
            } else {
                higher = e;
                break;
            }
        }
        if (higher == null) {
            return EpochEndOffset.UNDEFINED;
        }
        return floor == null
                ? new EpochEndOffset(requestedEpoch, higher.startOffset())
                : new EpochEndOffset(floor.epoch(), higher.startOffset());
    }

    /** Drops entries that start at or after {@code endOffset} (the log was truncated there). */
    void truncateFromEnd(long endOffset) {
        entries.removeIf(e -> e.startOffset() >= endOffset);
    }

    /** Moves the epoch in force at {@code startOffset} to start there and drops the ones before it. */
    void truncateFromStart(long startOffset) {
        int lastBefore = -1;
        for (int i = 0; i < entries.size() && entries.get(i).startOffset() <= startOffset; i++) {
            lastBefore = i;
        }
        if (lastBefore < 0) {
            return;
        }
        Entry kept = new Entry(entries.get(lastBefore).epoch(), startOffset);
        entries.subList(0, lastBefore + 1).clear();
        entries.add(0, kept);
    }

    void clear() {
        entries.clear();
    }

    void replaceWith(List<Entry> newEntries) {
        entries.clear();
        entries.addAll(newEntries);
    }
}
