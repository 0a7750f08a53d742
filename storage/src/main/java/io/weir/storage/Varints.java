package io.weir.storage;

import java.nio.ByteBuffer;
import org.apache.kafka.common.InvalidRecordException;

/** Allocation-free reads of the zig-zag varints Kafka records are framed with, at absolute positions. */
final class Varints {
    private static final int MAX_VARLONG_BYTES = 10;

    private Varints() {
    }

    /**
     * Reads the unsigned varint at {@code pos} (before zig-zag decoding) into {@code out[0]}.
     *
     * @return the position after it
     * @throws InvalidRecordException if it runs past {@code end} or is longer than 10 bytes
     */
    static int read(ByteBuffer buf, int pos, int end, long[] out) {
        long value = 0;
        int shift = 0;
        for (int i = 0; i < MAX_VARLONG_BYTES; i++) {
            if (pos >= end) {
                throw new InvalidRecordException("Varint runs past the end of its record");
            }
            byte b = buf.get(pos++);
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                out[0] = value;
                return pos;
            }
            shift += 7;
        }
        throw new InvalidRecordException("Varint longer than " + MAX_VARLONG_BYTES + " bytes");
    }

    static long zigzag(long raw) {
        return (raw >>> 1) ^ -(raw & 1);
    }
}
