package io.weir.storage;

import org.apache.kafka.common.InvalidRecordException;

/**
 * Reads the fields of Kafka v2 records from one batch's record bytes, never past a limit
 * (the end of the record being read). The same reading serves uncompressed batches, read in
 * place ({@link BufferRecordReader}), and compressed ones, read while decompressing
 * ({@link StreamRecordReader}); {@link RecordsValidator} holds the grammar.
 *
 * <p>Varints are Kafka's zig-zag varints. They are read more strictly than kafka-clients
 * reads them: a 5-byte int varint (10-byte long varint) whose last byte carries bits beyond
 * 32 (64) is rejected, where kafka-clients drops the bits. No encoder writes those, so
 * this refuses only what no producer sends.
 */
abstract class RecordReader {
    private static final int MAX_VARINT_BYTES = 5;
    private static final int MAX_VARLONG_BYTES = 10;

    /** Bytes of the records section read so far. */
    abstract long position();

    /** The next byte; the caller has checked it lies before the limit. */
    abstract byte nextByte();

    /** Skips {@code n} bytes; the caller has checked they lie before the limit. */
    abstract void skipBytes(int n);

    /** True if the records section has no byte after the current position. */
    abstract boolean atEnd();

    /** Bytes of the records section after the current position, or -1 if unknown (a stream). */
    abstract long remaining();

    /** The position the records section ends at, or {@link Long#MAX_VALUE} if unknown (a stream). */
    abstract long sectionEnd();

    /** Bytes a record may still take before the decompression bound is reached; unbounded when uncompressed. */
    long budget() {
        return Long.MAX_VALUE;
    }

    private long limit = Long.MAX_VALUE;

    /** Reads stop at position {@code end} (a record's end) from now on. */
    final void limitTo(long end) {
        limit = end;
    }

    /** Reads stop only at the end of the records section from now on. */
    final void limitToSection() {
        limit = sectionEnd();
    }

    final long bytesBeforeLimit() {
        return limit - position();
    }

    final byte readByte(String field) {
        if (position() >= limit) {
            throw new InvalidRecordException(field + " runs past the end of its record or batch");
        }
        return nextByte();
    }

    final void skip(int n, String field) {
        if (n > bytesBeforeLimit()) {
            throw new InvalidRecordException(field + " of " + n + " bytes runs past the end of its record or batch");
        }
        skipBytes(n);
    }

    /** A zig-zag varint that must fit in 32 bits. */
    final int readVarint(String field) {
        int raw = 0;
        for (int i = 0; i < MAX_VARINT_BYTES; i++) {
            byte b = readByte(field);
            if (i == MAX_VARINT_BYTES - 1 && (b & 0xf0) != 0) {
                throw new InvalidRecordException(field + " is longer than 5 bytes or wider than 32 bits");
            }
            raw |= (b & 0x7f) << (7 * i);
            if (b >= 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new AssertionError("unreachable: the last byte of a varint was checked");
    }

    /** A zig-zag varint that must fit in 64 bits. */
    final long readVarlong(String field) {
        long raw = 0;
        for (int i = 0; i < MAX_VARLONG_BYTES; i++) {
            byte b = readByte(field);
            if (i == MAX_VARLONG_BYTES - 1 && (b & 0xfe) != 0) {
                throw new InvalidRecordException(field + " is longer than 10 bytes or wider than 64 bits");
            }
            raw |= (long) (b & 0x7f) << (7 * i);
            if (b >= 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new AssertionError("unreachable: the last byte of a varlong was checked");
    }
}
