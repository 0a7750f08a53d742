package io.weir.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides which Chronicle roll files retention deletes, from plain numbers: no files, no
 * clock, no locks. {@link PartitionLog#applyRetention()} is the shell that persists the new
 * log start offset and then deletes what the plan names.
 *
 * <p>Rules, as in Kafka's segment retention with a roll file for a segment: files go
 * oldest first, and only whole files. A file with live data goes when its newest batch is
 * older than {@code retention.ms}, or when the log without it is still at least
 * {@code retention.bytes}. Never the newest file with data (Kafka never deletes the active
 * segment), and never a file holding data at or above the high watermark (consumers have
 * not all been allowed to read it yet). A file with no live data (all of it truncated away)
 * goes whenever a file after it goes or could go. The first file that must stay ends the plan.
 */
final class RetentionPlanner {
    private RetentionPlanner() {
    }

    /**
     * What retention knows of one roll file.
     *
     * @param firstLiveIndex Chronicle index of the file's first live batch, or -1 if it has none
     * @param firstOffset    base offset of that batch (-1 if none)
     * @param lastOffset     last offset of the file's last live batch (-1 if none)
     * @param maxTimestamp   the largest batch timestamp in the file
     * @param liveBytes      bytes of the file's live batches
     */
    record RollFile(int cycle, long firstLiveIndex, long firstOffset, long lastOffset, long maxTimestamp,
                    long liveBytes) {
        boolean hasData() {
            return firstLiveIndex >= 0;
        }
    }

    /**
     * @param doomed           the files to delete, oldest first
     * @param firstKept        the oldest file that stays; it holds data
     * @param newLogStartOffset the log start offset once the doomed files are gone
     */
    record Plan(List<RollFile> doomed, RollFile firstKept, long newLogStartOffset) {
        long bytesFreed() {
            return doomed.stream().mapToLong(RollFile::liveBytes).sum();
        }
    }

    /**
     * @param oldestFirst    every roll file of the log, in cycle order
     * @param liveBytes      bytes of all live batches of the log
     * @param retentionMs    -1 for no time limit
     * @param retentionBytes -1 for no size limit
     * @return empty when nothing is to be deleted
     */
    static Optional<Plan> plan(List<RollFile> oldestFirst, long liveBytes, long logStartOffset, long highWatermark,
                               long now, long retentionMs, long retentionBytes) {
        int newestWithData = -1;
        for (RollFile f : oldestFirst) {
            if (f.hasData()) {
                newestWithData = Math.max(newestWithData, f.cycle());
            }
        }
        if (newestWithData < 0) {
            return Optional.empty();
        }
        long remainingBytes = liveBytes;
        List<RollFile> doomed = new ArrayList<>();
        RollFile firstKept = null;
        for (RollFile f : oldestFirst) {
            if (f.cycle() >= newestWithData || !deletable(f, remainingBytes, highWatermark, now, retentionMs,
                    retentionBytes)) {
                firstKept = f;
                break;
            }
            doomed.add(f);
            remainingBytes -= f.liveBytes();
        }
        if (doomed.isEmpty()) {
            return Optional.empty();
        }
        // The loop stops at the newest file with data or at a file with data that must stay.
        assert firstKept != null && firstKept.hasData() : "the first kept roll file holds data: " + firstKept;
        return Optional.of(new Plan(List.copyOf(doomed), firstKept,
                Math.max(logStartOffset, firstKept.firstOffset())));
    }

    private static boolean deletable(RollFile f, long remainingBytes, long highWatermark, long now, long retentionMs,
                                     long retentionBytes) {
        if (!f.hasData()) {
            return true;
        }
        boolean expired = retentionMs >= 0 && f.maxTimestamp() < now - retentionMs;
        boolean oversize = retentionBytes >= 0 && remainingBytes - f.liveBytes() >= retentionBytes;
        return (expired || oversize) && f.lastOffset() < highWatermark;
    }
}
