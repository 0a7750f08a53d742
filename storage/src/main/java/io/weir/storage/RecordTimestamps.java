package io.weir.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks the timestamp of every record of a batch against the topic's {@link TimestampBounds}, as
 * Kafka's {@code LogValidator} does for a CreateTime topic: pure. A record's timestamp is the batch's
 * base timestamp plus its timestamp delta (a varlong after its length and attributes). Every refused
 * record is reported, as Kafka reports them, not only the first.
 */
final class RecordTimestamps {
    private RecordTimestamps() {
    }

    /**
     * The records of {@code a[start, end)}, {@code count} of them and already found well formed
     * ({@link ArrayRecordsValidator}), whose timestamps the bounds refuse; an empty list if none.
     */
    static List<InvalidRecordTimestampsException.RejectedRecord> rejected(byte[] a, int start, int end, int count,
                                                                          long baseTimestamp, TimestampBounds bounds) {
        List<InvalidRecordTimestampsException.RejectedRecord> rejected = List.of();
        int p = start;
        for (int i = 0; i < count && p < end; i++) {
            long r = ArrayRecordsValidator.varint(a, p, end);
            int length = (int) r;
            p = (int) (r >>> 32);
            int recordEnd = p + length;
            long timestamp = baseTimestamp + varlong(a, p + 1, recordEnd);
            if (bounds.rejects(timestamp)) {
                if (rejected.isEmpty()) {
                    rejected = new ArrayList<>();
                }
                rejected.add(new InvalidRecordTimestampsException.RejectedRecord(i, bounds.message(timestamp, i)));
            }
            p = recordEnd;
        }
        return rejected;
    }

    /** A zig-zag varlong at {@code p}, which the validator has found well formed before {@code limit}. */
    static long varlong(byte[] a, int p, int limit) {
        if (p < limit && a[p] >= 0) {
            int b = a[p]; // the common case: records of one batch stamped within 64 ms of its first
            return (b >>> 1) ^ -(b & 1);
        }
        long raw = 0;
        for (int shift = 0; p < limit && shift < 64; shift += 7) {
            byte b = a[p++];
            raw |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                break;
            }
        }
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** Throws the batch's refusal if any record was refused. */
    static void check(List<InvalidRecordTimestampsException.RejectedRecord> rejected) {
        if (!rejected.isEmpty()) {
            throw new InvalidRecordTimestampsException(rejected);
        }
    }
}
