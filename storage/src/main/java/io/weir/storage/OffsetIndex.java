package io.weir.storage;

import java.util.Arrays;

/**
 * Sparse, in-memory map from offsets to Chronicle excerpt indexes: one entry per
 * {@code indexIntervalBytes} of batches, each pointing at the start of a live batch.
 * A lookup lands on the nearest entry at or before the wanted offset and the reader scans
 * forward from there. Each entry also keeps the largest timestamp of all batches before
 * it, which is non-decreasing, so a timestamp lookup can binary-search too.
 * Entries are added in increasing offset order; not thread-safe.
 */
final class OffsetIndex {
    private long[] offsets = new long[8];
    private long[] indexes = new long[8];
    private long[] maxTimestampBefore = new long[8];
    private long[] bytesBefore = new long[8];
    private int size;

    int size() {
        return size;
    }

    /**
     * @param maxTsBefore  the largest timestamp of all batches before this one
     * @param bytesBefore  a running count of batch bytes before this one (any origin; only differences matter)
     */
    void add(long baseOffset, long excerptIndex, long maxTsBefore, long bytesBefore) {
        if (size > 0 && baseOffset <= offsets[size - 1]) {
            throw new IllegalStateException("Offset index entries must increase: " + baseOffset
                    + " after " + offsets[size - 1]);
        }
        if (size == offsets.length) {
            int n = size * 2;
            offsets = Arrays.copyOf(offsets, n);
            indexes = Arrays.copyOf(indexes, n);
            maxTimestampBefore = Arrays.copyOf(maxTimestampBefore, n);
            this.bytesBefore = Arrays.copyOf(this.bytesBefore, n);
        }
        offsets[size] = baseOffset;
        indexes[size] = excerptIndex;
        maxTimestampBefore[size] = maxTsBefore;
        this.bytesBefore[size] = bytesBefore;
        size++;
    }

    /** Excerpt index of the last entry whose batch starts at or before {@code offset}, or -1 if none does. */
    long floorIndex(long offset) {
        int i = floor(offset);
        return i < 0 ? -1 : indexes[i];
    }

    /** The running byte count before the floor entry of {@code offset}, or -1 if there is none. */
    long floorBytesBefore(long offset) {
        int i = floor(offset);
        return i < 0 ? -1 : bytesBefore[i];
    }

    private int floor(long offset) {
        int pos = Arrays.binarySearch(offsets, 0, size, offset);
        return pos >= 0 ? pos : -pos - 2;
    }

    /**
     * Excerpt index to start a scan for the first batch whose max timestamp is ≥ {@code ts}:
     * the last entry all of whose predecessors are older than {@code ts}, or -1 if none.
     */
    long floorIndexForTimestamp(long ts) {
        int lo = 0;
        int hi = size - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (maxTimestampBefore[mid] < ts) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? -1 : indexes[found];
    }

    /** Drops entries for batches at or after Chronicle index {@code excerptIndex}. */
    void truncateFromIndex(long excerptIndex) {
        while (size > 0 && indexes[size - 1] >= excerptIndex) {
            size--;
        }
    }

    /** Drops entries for batches before Chronicle index {@code excerptIndex} (their files were deleted). */
    void truncateBeforeIndex(long excerptIndex) {
        int keepFrom = 0;
        while (keepFrom < size && indexes[keepFrom] < excerptIndex) {
            keepFrom++;
        }
        if (keepFrom > 0) {
            System.arraycopy(offsets, keepFrom, offsets, 0, size - keepFrom);
            System.arraycopy(indexes, keepFrom, indexes, 0, size - keepFrom);
            System.arraycopy(maxTimestampBefore, keepFrom, maxTimestampBefore, 0, size - keepFrom);
            System.arraycopy(bytesBefore, keepFrom, bytesBefore, 0, size - keepFrom);
            size -= keepFrom;
        }
    }

    void clear() {
        size = 0;
    }

    /** Heap bytes held, for the per-partition cost figures. */
    long heapBytes() {
        return 4L * 8 * offsets.length;
    }
}
