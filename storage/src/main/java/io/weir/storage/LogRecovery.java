package io.weir.storage;

import java.util.List;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * The open-time scan: reads every excerpt's batch header from the queue and feeds
 * {@link RecoveryScan}, which decides. One pass over the headers; only the CRC check reads
 * (a copy of) a whole batch.
 */
final class LogRecovery {
    private LogRecovery() {
    }

    /**
     * @param logEndOffset the log end offset found
     * @param corruptFrom  index of the first excerpt of a torn or corrupt tail, or -1
     * @param corruption   what was wrong with it, or null
     */
    record Result(long logEndOffset, long corruptFrom, String corruption) {
    }

    /** Rebuilds {@code batches}, {@code producers} and {@code epochs} from the live batches of {@code queue}. */
    static Result rebuild(QueueHandle queue, DeadRanges dead, long logStartOffset, long nextOffsetFloor,
                          List<LeaderEpochCache.Entry> persistedEpochs, int indexIntervalBytes, LiveBatchIndex batches,
                          ProducerStateManager producers, LeaderEpochCache epochs) {
        RecoveryScan scan = new RecoveryScan(logStartOffset, indexIntervalBytes, batches, producers, epochs);
        // A new log's queue is not created until it is first used: it has no excerpts to scan.
        if (queue.isOpen()) queue.forEachExcerpt(-1, (idx, bytes, pos, size) -> {
            boolean isDead = dead.contains(idx);
            BatchHeader h = isDead ? null : LiveBatches.readHeader(bytes, pos, size);
            return scan.offer(idx, queue.cycleOf(idx), isDead, h, size, () -> {
                DefaultRecordBatch batch = (DefaultRecordBatch) MemoryRecords
                        .readableRecords(LiveBatches.copyOf(bytes, pos, size)).batches().iterator().next();
                return batch.isValid();
            });
        });
        long logEndOffset = scan.finish(nextOffsetFloor, persistedEpochs);
        return new Result(logEndOffset, scan.corruptFrom(), scan.corruption());
    }
}
