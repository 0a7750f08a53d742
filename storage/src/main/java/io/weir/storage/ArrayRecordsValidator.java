package io.weir.storage;

/**
 * {@link RecordsValidator}'s grammar for the records of an uncompressed batch held in a heap
 * array, the common case of a produce request, as one tight loop: locals instead of a reader
 * object, the array read directly, a varint decoded with one bounds check when all five
 * (ten) of its possible bytes lie inside the record and one per byte only near its end.
 *
 * <p>With {@link TimestampBounds} (a leader of a CreateTime topic) the same pass also checks each
 * record's timestamp, the batch's base timestamp plus the record's delta, so a batch's records are
 * read once, not once for their grammar and again for their timestamps.
 *
 * <p>It gives a verdict only. A refusal is explained by {@link RecordsValidator}, which reads
 * the same bytes field by field and throws the error naming what is wrong (every record out of
 * bounds, for a timestamp), so the messages stay in one place and this loop carries none. The
 * two must agree on every input: {@code ArrayRecordsValidatorPropertyTest} checks it on valid
 * and damaged records, with and without bounds.
 *
 * <p>Allocation-free; a varint's value and the position after it come back packed in one
 * {@code long} (position in the high half, value in the low half, -1 when malformed).
 */
final class ArrayRecordsValidator {
    private static final long MALFORMED = -1L;
    private static final int MAX_VARINT_BYTES = 5;
    private static final int MAX_VARLONG_BYTES = 10;

    private ArrayRecordsValidator() {
    }

    /**
     * Whether {@code a[start, end)} holds exactly {@code count} well-formed records, as
     * {@link RecordsValidator#validate(RecordReader, int, boolean)} would accept them.
     */
    static boolean isValid(byte[] a, int start, int end, int count, boolean requireKeys) {
        return isValid(a, start, end, count, requireKeys, 0, null);
    }

    /**
     * As {@link #isValid(byte[], int, int, int, boolean)}, and with {@code bounds} also every record's
     * timestamp ({@code baseTimestamp} plus its delta) inside them, as
     * {@link RecordsValidator#validate(RecordReader, int, boolean, long, TimestampBounds)} would accept it.
     */
    static boolean isValid(byte[] a, int start, int end, int count, boolean requireKeys, long baseTimestamp,
                           TimestampBounds bounds) {
        int p = start;
        for (int i = 0; i < count; i++) {
            if (p == end) {
                return false;
            }
            long r = varint(a, p, end);
            if (r < 0) {
                return false;
            }
            int length = (int) r;
            p = (int) (r >>> 32);
            if (length < 0 || length > end - p) {
                return false;
            }
            // The next record starts at this one's declared end, not where reading its fields
            // ends (the two must be equal, a check the CPU predicts): so the next record's
            // fields do not wait for this one's chain of varints, and records overlap.
            int recordEnd = p + length;
            if (!isValidRecord(a, p, recordEnd, i, requireKeys, baseTimestamp, bounds)) {
                return false;
            }
            p = recordEnd;
        }
        return p == end;
    }

    /** The fields of record {@code i}, after its length: all of {@code a[p, recordEnd)} and nothing more. */
    private static boolean isValidRecord(byte[] a, int p, int recordEnd, int i, boolean requireKeys,
                                         long baseTimestamp, TimestampBounds bounds) {
        if (p == recordEnd) {
            return false; // no attributes byte
        }
        int delta = p + 1; // after the attributes, the timestamp delta
        p = skipVarlong(a, delta, recordEnd);
        if (p < 0 || (bounds != null && bounds.rejects(baseTimestamp + varlong(a, delta, p)))) {
            return false;
        }
        long r = varint(a, p, recordEnd);
        if (r < 0 || (int) r != i) {
            return false;
        }
        p = (int) (r >>> 32);
        r = varint(a, p, recordEnd); // key length
        if (r < 0 || (requireKeys && (int) r < 0)) {
            return false;
        }
        p = skipBytes(r, recordEnd);
        if (p < 0) {
            return false;
        }
        p = skipBytes(varint(a, p, recordEnd), recordEnd); // value
        if (p < 0) {
            return false;
        }
        r = varint(a, p, recordEnd);
        if (r < 0) {
            return false;
        }
        int headers = (int) r;
        p = (int) (r >>> 32);
        if (headers < 0 || headers > (recordEnd - p) / 2) {
            return false;
        }
        for (int h = 0; h < headers; h++) {
            r = varint(a, p, recordEnd);
            if (r < 0 || (int) r < 0) {
                return false;
            }
            p = skipBytes(r, recordEnd); // header key
            if (p < 0) {
                return false;
            }
            p = skipBytes(varint(a, p, recordEnd), recordEnd); // header value
            if (p < 0) {
                return false;
            }
        }
        return p == recordEnd;
    }

    /**
     * Skips a byte field whose length varint was read as {@code r}: -1 is null, below -1 is
     * malformed, otherwise that many bytes must lie before {@code limit}.
     *
     * @return the position after the field, or -1
     */
    private static int skipBytes(long r, int limit) {
        if (r < 0) {
            return -1;
        }
        int length = (int) r;
        int p = (int) (r >>> 32);
        if (length < -1 || length > limit - p) {
            return -1;
        }
        return length > 0 ? p + length : p;
    }

    /**
     * A zig-zag varint of at most five bytes, all before {@code limit}, the fifth carrying no
     * bits beyond 32.
     *
     * @return the position after it in the high 32 bits and its value in the low 32, or -1
     */
    static long varint(byte[] a, int p, int limit) {
        if (limit - p < MAX_VARINT_BYTES) {
            return varintNearLimit(a, p, limit);
        }
        int b = a[p];
        if (b >= 0) {
            return packed(p + 1, b);
        }
        int raw = b & 0x7f;
        b = a[p + 1];
        raw |= (b & 0x7f) << 7;
        if (b >= 0) {
            return packed(p + 2, raw);
        }
        b = a[p + 2];
        raw |= (b & 0x7f) << 14;
        if (b >= 0) {
            return packed(p + 3, raw);
        }
        b = a[p + 3];
        raw |= (b & 0x7f) << 21;
        if (b >= 0) {
            return packed(p + 4, raw);
        }
        b = a[p + 4];
        if ((b & 0xf0) != 0) {
            return MALFORMED;
        }
        return packed(p + 5, raw | b << 28);
    }

    /** {@link #varint} where the limit may cut it short: a bounds check per byte. */
    private static long varintNearLimit(byte[] a, int p, int limit) {
        int raw = 0;
        for (int i = 0; i < MAX_VARINT_BYTES; i++) {
            if (p + i >= limit) {
                return MALFORMED;
            }
            int b = a[p + i];
            if (i == MAX_VARINT_BYTES - 1 && (b & 0xf0) != 0) {
                return MALFORMED;
            }
            raw |= (b & 0x7f) << (7 * i);
            if (b >= 0) {
                return packed(p + i + 1, raw);
            }
        }
        throw new AssertionError("unreachable: the fifth byte of a varint was checked");
    }

    /**
     * Skips a zig-zag varlong of at most ten bytes, all before {@code limit}, the tenth carrying
     * no bits beyond 64.
     *
     * @return the position after it, or -1 (also when {@code p} is already past the limit)
     */
    static int skipVarlong(byte[] a, int p, int limit) {
        int last = Math.min(limit, p + MAX_VARLONG_BYTES);
        for (int q = p; q < last; q++) {
            int b = a[q];
            if (b >= 0) {
                return q - p == MAX_VARLONG_BYTES - 1 && b > 1 ? -1 : q + 1;
            }
        }
        return -1; // the limit, or a tenth byte with the continuation bit
    }

    /** The value of the zig-zag varlong in {@code a[p, next)}, which {@link #skipVarlong} found well formed. */
    static long varlong(byte[] a, int p, int next) {
        if (next == p + 1) {
            int b = a[p]; // the common case: records of one batch stamped within 64 ms of its first
            return (b >>> 1) ^ -(b & 1);
        }
        long raw = 0;
        for (int q = p, shift = 0; q < next; q++, shift += 7) {
            raw |= (long) (a[q] & 0x7f) << shift;
        }
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** Zig-zag decodes {@code raw} and packs it with the position after it. */
    private static long packed(int next, int raw) {
        int value = (raw >>> 1) ^ -(raw & 1);
        return (long) next << 32 | (value & 0xffffffffL);
    }
}
