package io.weir.storage;

/**
 * What one append wrote.
 *
 * @param firstOffset     offset of the first record appended (or of the original append, for a duplicate)
 * @param lastOffset      offset of the last record appended
 * @param maxTimestamp    largest record timestamp of the appended batches
 * @param logAppendTime   the broker time stamped on the batches, or -1 unless the log uses LOG_APPEND_TIME
 * @param validBytes      bytes appended
 * @param duplicate       true when an idempotent producer retried a batch already in the log; nothing was
 *                        written and the offsets are those of the original append
 */
public record LogAppendInfo(
        long firstOffset,
        long lastOffset,
        long maxTimestamp,
        long logAppendTime,
        int validBytes,
        boolean duplicate) {
}
