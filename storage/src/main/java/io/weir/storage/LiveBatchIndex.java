package io.weir.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * What a log knows about its live batches without reading them, derived from their headers
 * by the open-time scan and then kept up to date by every append: the sparse offset index,
 * statistics per roll file (for retention), the live byte count and the largest timestamp.
 * Pure bookkeeping with no Chronicle in it; not thread-safe, {@link PartitionLog} guards it.
 */
final class LiveBatchIndex {
    /** Statistics of one Chronicle roll file, updated in place as batches are accepted. */
    private static final class RollFileStats {
        final int cycle;
        long firstLiveIndex = -1;
        long firstOffset = -1;
        long lastOffset = -1;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        long liveBytes;

        RollFileStats(int cycle) {
            this.cycle = cycle;
        }

        RetentionPlanner.RollFile view() {
            return new RetentionPlanner.RollFile(cycle, firstLiveIndex, firstOffset, lastOffset, maxTimestamp,
                    liveBytes);
        }
    }

    private final OffsetIndex index = new OffsetIndex();
    private final TreeMap<Integer, RollFileStats> rollFiles = new TreeMap<>();
    private long firstLiveIndex = -1;
    private long lastLiveIndex = -1;
    private long bytesSinceIndexEntry;
    /** Batch bytes accepted since the last clear; with the index's counts it bounds a read's size. */
    private long bytesAccepted;
    private long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private long maxTimestampIndex = -1;
    /** Volatile: written under the log's write lock, read without any lock ({@link PartitionLog#sizeInBytes}). */
    private volatile long sizeInBytes;

    void clear() {
        index.clear();
        rollFiles.clear();
        firstLiveIndex = -1;
        lastLiveIndex = -1;
        bytesSinceIndexEntry = 0;
        bytesAccepted = 0;
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        maxTimestampIndex = -1;
        sizeInBytes = 0;
    }

    /** Records that a roll file exists, even if it holds no live batch (retention deletes it then). */
    void noteRollFile(int cycle) {
        rollFiles.computeIfAbsent(cycle, RollFileStats::new);
    }

    /** Adds a live batch, just written or found by a scan; batches come in offset order. */
    void accept(long excerptIndex, int cycle, BatchHeader h, int indexIntervalBytes) {
        assert excerptIndex > lastLiveIndex : "excerpt indexes increase: " + excerptIndex + " after " + lastLiveIndex;
        if (firstLiveIndex < 0) {
            firstLiveIndex = excerptIndex;
        }
        if (index.size() == 0 || bytesSinceIndexEntry >= indexIntervalBytes) {
            index.add(h.baseOffset(), excerptIndex, maxTimestamp, bytesAccepted);
            bytesSinceIndexEntry = 0;
        }
        bytesSinceIndexEntry += h.sizeInBytes();
        bytesAccepted += h.sizeInBytes();
        lastLiveIndex = excerptIndex;
        if (h.maxTimestamp() > maxTimestamp) {
            maxTimestamp = h.maxTimestamp();
            maxTimestampIndex = excerptIndex;
        }
        sizeInBytes += h.sizeInBytes();
        RollFileStats st = rollFiles.computeIfAbsent(cycle, RollFileStats::new);
        if (st.firstLiveIndex < 0) {
            st.firstLiveIndex = excerptIndex;
            st.firstOffset = h.baseOffset();
        }
        st.lastOffset = h.lastOffset();
        st.maxTimestamp = Math.max(st.maxTimestamp, h.maxTimestamp());
        st.liveBytes += h.sizeInBytes();
    }

    /** Chronicle index to start a scan for {@code offset} from: its index entry, or the first live batch (-1: none). */
    long startIndexFor(long offset) {
        long fromIndex = index.floorIndex(offset);
        return fromIndex < 0 ? firstLiveIndex : fromIndex;
    }

    /** An upper bound on the bytes of the batches from the scan start point of {@code offset} to the end. */
    long bytesFrom(long offset) {
        long floorBytes = index.floorBytesBefore(offset);
        return floorBytes < 0 ? sizeInBytes : bytesAccepted - floorBytes;
    }

    /** Chronicle index to start a scan for the first batch with a timestamp ≥ {@code ts} (-1: none). */
    long startIndexForTimestamp(long ts) {
        long from = index.floorIndexForTimestamp(ts);
        return from < 0 ? firstLiveIndex : from;
    }

    /** Every roll file, oldest first, as the retention planner sees them. */
    List<RetentionPlanner.RollFile> rollFiles() {
        List<RetentionPlanner.RollFile> out = new ArrayList<>(rollFiles.size());
        rollFiles.values().forEach(st -> out.add(st.view()));
        return out;
    }

    /** Forgets the roll files a retention plan deleted. */
    void dropRollFiles(RetentionPlanner.Plan plan) {
        for (RetentionPlanner.RollFile f : plan.doomed()) {
            rollFiles.remove(f.cycle());
            sizeInBytes -= f.liveBytes();
        }
        firstLiveIndex = plan.firstKept().firstLiveIndex();
        index.truncateBeforeIndex(firstLiveIndex);
        assert sizeInBytes >= 0 : "live bytes cannot go negative: " + sizeInBytes;
    }

    /** Chronicle index of the last live batch, or -1 if there is none. */
    long lastLiveIndex() {
        return lastLiveIndex;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    /** Chronicle index of the batch holding the largest timestamp, or -1 if there is none. */
    long maxTimestampIndex() {
        return maxTimestampIndex;
    }

    long sizeInBytes() {
        return sizeInBytes;
    }

    int rollFileCount() {
        return rollFiles.size();
    }

    long heapBytes() {
        return index.heapBytes() + 96L * rollFiles.size();
    }
}
