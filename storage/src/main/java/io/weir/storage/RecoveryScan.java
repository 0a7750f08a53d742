package io.weir.storage;

import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The decisions of the open-time scan, fed one excerpt at a time in queue order. Pure (no
 * Chronicle, no files), so a test can drive it with any mix of whole, dead, torn and
 * corrupt excerpts; {@link LogRecovery} feeds it from the queue.
 *
 * <p>It rebuilds everything derived from the log: the sparse index and roll-file
 * statistics ({@link LiveBatchIndex}), idempotent-producer state, the leader epochs and
 * the log end offset. The first live excerpt that is not a whole v2 batch continuing the
 * offsets with a valid CRC ends the log: a crash tore it, or the disk corrupted it, and it
 * and everything after it are dropped.
 */
final class RecoveryScan {
    private final long logStartOffset;
    private final int indexIntervalBytes;
    private final LiveBatchIndex batches;
    private final ProducerStateManager producers;
    private final LeaderEpochCache epochs;

    private long lastOffset = -1;
    private long corruptFrom = -1;
    private String corruption;

    /** Clears {@code batches}, {@code producers} and {@code epochs}, which the scan then rebuilds. */
    RecoveryScan(long logStartOffset, int indexIntervalBytes, LiveBatchIndex batches, ProducerStateManager producers,
                 LeaderEpochCache epochs) {
        this.logStartOffset = logStartOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.batches = batches;
        this.producers = producers;
        this.epochs = epochs;
        batches.clear();
        producers.clear();
        epochs.clear();
    }

    /**
     * Takes the next excerpt of the queue.
     *
     * @param dead        the excerpt lies in a range truncation removed
     * @param header      its batch header, or null if it is shorter than one
     * @param excerptSize its length in bytes
     * @param crcValid    checks the batch's CRC; called only once every cheaper check passed
     * @return false if this excerpt ends the log: feed no more
     */
    boolean offer(long excerptIndex, int cycle, boolean dead, BatchHeader header, int excerptSize,
                  BooleanSupplier crcValid) {
        assert corruptFrom < 0 : "the log already ended at " + corruptFrom;
        batches.noteRollFile(cycle);
        if (dead) {
            return true;
        }
        String problem = problem(header, excerptSize, lastOffset, crcValid);
        if (problem != null) {
            corruptFrom = excerptIndex;
            corruption = problem;
            return false;
        }
        if (header.lastOffset() < logStartOffset) {
            return true; // below the log start: retention deleted the rest of its roll file's batches
        }
        batches.accept(excerptIndex, cycle, header, indexIntervalBytes);
        lastOffset = header.lastOffset();
        if (header.partitionLeaderEpoch() > epochs.latestEpoch()) {
            epochs.assign(header.partitionLeaderEpoch(), header.baseOffset());
        }
        producers.replay(header);
        return true;
    }

    /**
     * Ends the scan: the log end offset is past the last live batch, but never below the
     * log start offset or the floor a truncation left ({@code nextOffsetFloor}). Epochs the
     * leader assigned before it wrote a batch in them come back from {@code persistedEpochs}.
     *
     * @return the log end offset
     */
    long finish(long nextOffsetFloor, List<LeaderEpochCache.Entry> persistedEpochs) {
        long logEndOffset = Math.max(Math.max(nextOffsetFloor, logStartOffset), lastOffset + 1);
        for (LeaderEpochCache.Entry e : persistedEpochs) {
            if (e.epoch() > epochs.latestEpoch() && e.startOffset() <= logEndOffset) {
                epochs.assign(e.epoch(), e.startOffset());
            }
        }
        return logEndOffset;
    }

    /** Index of the excerpt that ended the log, or -1 if every excerpt was good. */
    long corruptFrom() {
        return corruptFrom;
    }

    /** Why the log ended early, or null. */
    String corruption() {
        return corruption;
    }

    /** Why an excerpt cannot be the next batch of the log, or null if it can. */
    static String problem(BatchHeader h, int excerptSize, long lastOffset, BooleanSupplier crcValid) {
        if (h == null) {
            return "excerpt of " + excerptSize + " bytes is shorter than a batch header";
        }
        if (h.magic() != RecordBatch.MAGIC_VALUE_V2) {
            return "magic " + h.magic();
        }
        if (h.sizeInBytes() != excerptSize) {
            return "batch length " + h.sizeInBytes() + " does not match excerpt length " + excerptSize;
        }
        if (h.baseOffset() <= lastOffset || h.lastOffsetDelta() < 0) {
            return "offset " + h.baseOffset() + " does not follow " + lastOffset;
        }
        return crcValid.getAsBoolean() ? null : "CRC mismatch at offset " + h.baseOffset();
    }
}
