package io.weir.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Ranges {@code [from, to]} of Chronicle excerpt indexes whose batches truncation removed.
 * Chronicle Queue cannot shrink a file, so truncation marks excerpts dead instead of
 * erasing them; readers and the open-time scan skip them. Persisted in
 * {@link PartitionState}. Not thread-safe: {@link PartitionLog} guards it.
 */
final class DeadRanges {
    private final List<long[]> ranges = new ArrayList<>();
    /**
     * Where the excerpts a failed write may have left begin, open-ended while the queue that
     * failed is still open; -1 if none. Never persisted: {@link #closeFailedTail} turns it into
     * an ordinary range once the queue's end is known.
     */
    private long failedFrom = -1;

    boolean contains(long excerptIndex) {
        if (failedFrom >= 0 && excerptIndex >= failedFrom) {
            return true;
        }
        for (long[] r : ranges) {
            if (excerptIndex >= r[0] && excerptIndex <= r[1]) {
                return true;
            }
        }
        return false;
    }

    void add(long from, long to) {
        assert from <= to : "dead range [" + from + ", " + to + "]";
        ranges.add(new long[] {from, to});
    }

    /** A write failed: every excerpt from {@code from} on is dead, whatever Chronicle kept of it. */
    void markFailedFrom(long from) {
        if (failedFrom < 0) {
            failedFrom = from;
        }
    }

    boolean hasFailedTail() {
        return failedFrom >= 0;
    }

    /** The first excerpt of the failed tail, or -1. */
    long failedFrom() {
        return failedFrom;
    }

    /** The failed queue ends at {@code lastIndex} (no more writes to it): the failed tail becomes a closed range. */
    void closeFailedTail(long lastIndex) {
        if (failedFrom >= 0 && lastIndex >= failedFrom) {
            add(failedFrom, lastIndex);
        }
        failedFrom = -1;
    }

    /** Forgets ranges that lie wholly before {@code excerptIndex} (their roll files were deleted). */
    void forgetBefore(long excerptIndex) {
        ranges.removeIf(r -> r[1] < excerptIndex);
    }

    void clear() {
        ranges.clear();
        failedFrom = -1;
    }

    void replaceWith(List<long[]> persisted) {
        ranges.clear();
        persisted.forEach(r -> add(r[0], r[1]));
    }

    /** A copy, for {@link PartitionState}. */
    List<long[]> toList() {
        return ranges.stream().map(long[]::clone).toList();
    }
}
