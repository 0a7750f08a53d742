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

    boolean contains(long excerptIndex) {
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

    /** Forgets ranges that lie wholly before {@code excerptIndex} (their roll files were deleted). */
    void forgetBefore(long excerptIndex) {
        ranges.removeIf(r -> r[1] < excerptIndex);
    }

    void clear() {
        ranges.clear();
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
