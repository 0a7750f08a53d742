package io.weir.storage;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The fixed 61-byte header of a Kafka v2 record batch, read from absolute positions so it
 * can be parsed from any buffer (network, memory-mapped queue) without allocating a batch
 * object. Layout: baseOffset(8) length(4) partitionLeaderEpoch(4) magic(1) crc(4)
 * attributes(2) lastOffsetDelta(4) baseTimestamp(8) maxTimestamp(8) producerId(8)
 * producerEpoch(2) baseSequence(4) recordsCount(4).
 */
record BatchHeader(
        long baseOffset,
        int sizeInBytes,
        int partitionLeaderEpoch,
        byte magic,
        int lastOffsetDelta,
        long maxTimestamp,
        long producerId,
        short producerEpoch,
        int baseSequence,
        int recordsCount) {

    static final int SIZE = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    /** Bytes of a batch before the part its length field counts. */
    static final int LOG_OVERHEAD = 12;
    static final int MAGIC_OFFSET = 16;

    static BatchHeader read(ByteBuffer buf, int at) {
        return new BatchHeader(
                buf.getLong(at),
                buf.getInt(at + 8) + LOG_OVERHEAD,
                buf.getInt(at + 12),
                buf.get(at + MAGIC_OFFSET),
                buf.getInt(at + 23),
                buf.getLong(at + 35),
                buf.getLong(at + 43),
                buf.getShort(at + 51),
                buf.getInt(at + 53),
                buf.getInt(at + 57));
    }

    long lastOffset() {
        return baseOffset + lastOffsetDelta;
    }

    boolean hasProducerId() {
        return producerId != RecordBatch.NO_PRODUCER_ID;
    }

    int lastSequence() {
        return baseSequence == RecordBatch.NO_SEQUENCE
                ? RecordBatch.NO_SEQUENCE
                : DefaultRecordBatch.incrementSequence(baseSequence, lastOffsetDelta);
    }
}
