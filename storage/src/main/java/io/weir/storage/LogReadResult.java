package io.weir.storage;

import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Stored batches returned by a read, byte for byte as they were appended, with the log's
 * bounds at the time of the read.
 */
public record LogReadResult(
        MemoryRecords records,
        long logStartOffset,
        long logEndOffset,
        long highWatermark) {
}
