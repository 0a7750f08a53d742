package io.weir.storage;

import java.nio.ByteBuffer;
import net.openhft.chronicle.bytes.Bytes;

/**
 * Kafka batches over a {@link QueueHandle}'s excerpts: the live ones, that is neither in a
 * dead range nor wholly below the log start offset. Readers and truncation scan with it.
 */
final class LiveBatches {
    private LiveBatches() {
    }

    /** Called with each live batch of a scan; the bytes are valid only during the call. */
    @FunctionalInterface
    interface BatchVisitor {
        /** @return false to stop the scan */
        boolean visit(long excerptIndex, Bytes<?> bytes, long position, int size, BatchHeader header);
    }

    /** Visits live batches in order from Chronicle index {@code fromIndex} (or the start, if negative). */
    static void forEach(QueueHandle queue, DeadRanges dead, long logStartOffset, long fromIndex, BatchVisitor visitor) {
        queue.forEachExcerpt(fromIndex, (idx, bytes, pos, size) -> {
            if (dead.contains(idx)) {
                return true;
            }
            BatchHeader h = readHeader(bytes, pos, size);
            if (h == null || h.lastOffset() < logStartOffset) {
                return true;
            }
            return visitor.visit(idx, bytes, pos, size, h);
        });
    }

    /**
     * Reads a batch header in place from memory-mapped bytes (which are little-endian; Kafka's
     * are big-endian).
     *
     * @return null if the excerpt is too short to hold one
     */
    static BatchHeader readHeader(Bytes<?> bytes, long pos, int size) {
        if (size < BatchHeader.SIZE) {
            return null;
        }
        return new BatchHeader(
                Long.reverseBytes(bytes.readLong(pos)),
                Integer.reverseBytes(bytes.readInt(pos + 8)) + BatchHeader.LOG_OVERHEAD,
                Integer.reverseBytes(bytes.readInt(pos + 12)),
                bytes.readByte(pos + 16),
                Integer.reverseBytes(bytes.readInt(pos + 23)),
                Long.reverseBytes(bytes.readLong(pos + 35)),
                Long.reverseBytes(bytes.readLong(pos + 43)),
                Short.reverseBytes(bytes.readShort(pos + 51)),
                Integer.reverseBytes(bytes.readInt(pos + 53)),
                Integer.reverseBytes(bytes.readInt(pos + 57)));
    }

    /** A heap copy of an excerpt's bytes, for kafka-clients' batch classes. */
    static ByteBuffer copyOf(Bytes<?> bytes, long pos, int size) {
        byte[] copy = new byte[size];
        bytes.read(pos, copy, 0, size);
        return ByteBuffer.wrap(copy);
    }
}
