package io.weir.storage;

import java.util.List;
import java.util.Optional;

/**
 * The decisions of log compaction, from plain numbers: no files, no clock, no locks.
 * {@link LogCompaction} is the shell that reads and rewrites the log.
 *
 * <p>As Kafka's {@code LogCleanerManager} with a roll file for a segment: the log is split at
 * the cleaner checkpoint ({@code cleanedTo}, the first offset not yet cleaned) into a clean head
 * and a dirty part. Only a prefix of whole roll files is cleanable: never the newest file with data
 * (the active one, still being appended to), never a file with data at or above {@code upperBound}
 * (the high watermark the caller gives), never a file holding a batch newer than
 * {@code min.compaction.lag.ms}. The log is worth cleaning when the dirty share of the cleanable
 * bytes reaches {@code min.cleanable.dirty.ratio}, or when its oldest dirty file has waited
 * {@code max.compaction.lag.ms}.
 */
final class CleanerPlanner {
    private CleanerPlanner() {
    }

    /**
     * One pass of the cleaner.
     *
     * @param firstDirty   the first offset whose records go into the key map
     * @param cleanableEnd the end (exclusive) of what this pass may clean: the offset after the last
     *                     cleanable roll file
     * @param dirtyBytes   bytes of the cleanable files at or after {@code firstDirty}
     * @param cleanBytes   bytes of the cleanable files wholly before it
     * @param forced       cleaned because {@code max.compaction.lag.ms} passed, not for the ratio
     */
    record Plan(long firstDirty, long cleanableEnd, long dirtyBytes, long cleanBytes, boolean forced) {
        double dirtyRatio() {
            long total = dirtyBytes + cleanBytes;
            return total == 0 ? 0 : (double) dirtyBytes / total;
        }
    }

    /**
     * @param oldestFirst every roll file of the log, in cycle order
     * @param cleanedTo   the cleaner checkpoint: offsets below it were cleaned by an earlier pass
     * @param upperBound  nothing at or above this offset is touched (the high watermark)
     * @return empty when the log is not to be cleaned now
     */
    static Optional<Plan> plan(List<RetentionPlanner.RollFile> oldestFirst, long logStartOffset, long cleanedTo,
                               long upperBound, long now, LogConfig.Cleanup config) {
        if (!config.compact()) {
            return Optional.empty();
        }
        int active = -1;
        for (RetentionPlanner.RollFile f : oldestFirst) {
            if (f.hasData()) {
                active = Math.max(active, f.cycle());
            }
        }
        long firstDirty = Math.max(cleanedTo, logStartOffset);
        long cleanableEnd = -1;
        long dirtyBytes = 0;
        long cleanBytes = 0;
        long oldestDirtyTimestamp = Long.MAX_VALUE;
        for (RetentionPlanner.RollFile f : oldestFirst) {
            if (!f.hasData()) {
                continue;
            }
            if (f.cycle() >= active || f.lastOffset() >= upperBound
                    || f.maxTimestamp() > now - config.minCompactionLagMs()) {
                break;
            }
            cleanableEnd = f.lastOffset() + 1;
            if (f.lastOffset() >= firstDirty) {
                dirtyBytes += f.liveBytes();
                oldestDirtyTimestamp = Math.min(oldestDirtyTimestamp, f.maxTimestamp());
            } else {
                cleanBytes += f.liveBytes();
            }
        }
        if (cleanableEnd <= firstDirty) {
            return Optional.empty();
        }
        boolean forced = oldestDirtyTimestamp < Long.MAX_VALUE
                && now - oldestDirtyTimestamp > config.maxCompactionLagMs();
        Plan plan = new Plan(firstDirty, cleanableEnd, dirtyBytes, cleanBytes, forced);
        if (!forced && plan.dirtyRatio() < config.minDirtyRatio()) {
            return Optional.empty();
        }
        return Optional.of(plan);
    }

    /**
     * Whether a record below the pass's end survives: not superseded by a later record of its key
     * ({@code latestForKey}, -1 if the key map does not hold the key), and not a tombstone whose
     * delete horizon ({@code delete.retention.ms} after the pass that first cleaned it; -1 if none yet)
     * has passed.
     */
    static boolean retain(long offset, long latestForKey, boolean tombstone, long deleteHorizonMs, long now) {
        if (latestForKey > offset) {
            return false;
        }
        return !(tombstone && deleteHorizonMs >= 0 && now >= deleteHorizonMs);
    }
}
