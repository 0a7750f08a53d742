package io.weir.storage;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * The grammar of the records inside a v2 batch, checked field by field as kafka-clients'
 * {@code DefaultRecord.readFrom} reads them, so that no batch a consumer cannot iterate is
 * ever stored. Each record is
 * <pre>
 * length: varint            bytes of the record after this field
 * attributes: int8          (unused by v2)
 * timestampDelta: varlong
 * offsetDelta: varint       must be the record's position in the batch
 * keyLength: varint         -1 for a null key
 * key: byte[keyLength]
 * valueLength: varint       -1 for a null value
 * value: byte[valueLength]
 * headerCount: varint
 * headers: [headerKeyLength: varint (not negative), headerKey, headerValueLength: varint (-1: null), headerValue]
 * </pre>
 * Every field lies inside the record's declared length, the fields fill it exactly, the
 * batch holds exactly its declared count of records and nothing after them. Lengths below
 * -1 are refused (kafka-clients reads them as null; no producer writes them).
 *
 * <p>Allocation-free: one pass over the reader, no per-record objects.
 */
final class RecordsValidator {
    private RecordsValidator() {
    }

    /**
     * @throws InvalidRecordException  the records break the grammar
     * @throws RecordTooLargeException a record of a compressed batch claims more bytes than the
     *                                 decompression bound leaves
     */
    static void validate(RecordReader in, int count) {
        validate(in, count, false);
    }

    /**
     * As {@link #validate(RecordReader, int)}; with {@code requireKeys} (a compacted topic) a record
     * with a null key is refused, as Kafka's LogValidator does.
     */
    static void validate(RecordReader in, int count, boolean requireKeys) {
        validate(in, count, requireKeys, 0, null);
    }

    /**
     * As {@link #validate(RecordReader, int, boolean)}; with {@code bounds} (a leader of a CreateTime
     * topic) also every record's timestamp, {@code baseTimestamp} plus its delta: once the records are
     * found well formed, those out of bounds are refused together ({@link InvalidRecordTimestampsException}).
     */
    static void validate(RecordReader in, int count, boolean requireKeys, long baseTimestamp, TimestampBounds bounds) {
        List<InvalidRecordTimestampsException.RejectedRecord> rejected = List.of();
        List<InvalidRecordTimestampsException.RejectedRecord> keyless = List.of();
        for (int i = 0; i < count; i++) {
            in.limitToSection();
            if (in.remaining() == 0) {
                throw new InvalidRecordException("The batch declares " + count + " records but holds " + i);
            }
            int length = in.readVarint("Record length");
            checkLength(in, i, length);
            long recordEnd = in.position() + length;
            in.limitTo(recordEnd);
            in.readByte("Record attributes");
            long timestamp = baseTimestamp + in.readVarlong("Record timestamp delta");
            boolean timestampRefused = bounds != null && bounds.rejects(timestamp);
            int offsetDelta = in.readVarint("Record offset delta");
            if (offsetDelta != i) {
                throw new InvalidRecordException("Record " + i + " has offset delta " + offsetDelta);
            }
            int recordKeyLength = skipBytesField(in, "Record key", "Record key length");
            // One error per record, the key's first, as Kafka's LogValidator.validateRecord.
            if (requireKeys && recordKeyLength < 0) {
                if (keyless.isEmpty()) {
                    keyless = new ArrayList<>();
                }
                keyless.add(new InvalidRecordTimestampsException.RejectedRecord(i,
                        "Compacted topic cannot accept message without key (record " + i + ")"));
            } else if (timestampRefused) {
                if (rejected.isEmpty()) {
                    rejected = new ArrayList<>();
                }
                rejected.add(new InvalidRecordTimestampsException.RejectedRecord(i, bounds.message(timestamp, i)));
            }
            skipBytesField(in, "Record value", "Record value length");
            int headers = in.readVarint("Record header count");
            // Each header takes at least two bytes (its two lengths), so a count above half the
            // bytes left is a lie whatever follows: Kafka's "invalid number of record headers".
            if (headers < 0 || headers > in.bytesBeforeLimit() / 2) {
                throw new InvalidRecordException("Found invalid number of record headers " + headers + " in record "
                        + i);
            }
            for (int h = 0; h < headers; h++) {
                int keyLength = in.readVarint("Record header key length");
                if (keyLength < 0) {
                    throw new InvalidRecordException("Invalid negative header key size " + keyLength);
                }
                in.skip(keyLength, "Record header key");
                skipBytesField(in, "Record header value", "Record header value length");
            }
            if (in.position() != recordEnd) {
                throw new InvalidRecordException("Record " + i + " has " + (recordEnd - in.position())
                        + " bytes after its headers");
            }
        }
        in.limitToSection();
        if (!in.atEnd()) {
            throw new InvalidRecordException("The batch has bytes after its " + count + " declared records");
        }
        refuse(rejected, keyless);
    }

    /**
     * Kafka's {@code processRecordErrors}: every refused record is reported; INVALID_TIMESTAMP if any
     * timestamp is out of bounds, with the keyless records too, else INVALID_RECORD.
     */
    private static void refuse(List<InvalidRecordTimestampsException.RejectedRecord> timestamps,
                               List<InvalidRecordTimestampsException.RejectedRecord> keyless) {
        if (keyless.isEmpty()) {
            if (!timestamps.isEmpty()) {
                throw new InvalidRecordTimestampsException(timestamps);
            }
            return;
        }
        if (timestamps.isEmpty()) {
            throw new InvalidRecordsException(keyless);
        }
        List<InvalidRecordTimestampsException.RejectedRecord> all = new ArrayList<>(timestamps);
        all.addAll(keyless);
        all.sort(java.util.Comparator.comparingInt(InvalidRecordTimestampsException.RejectedRecord::batchIndex));
        throw new InvalidRecordTimestampsException(all);
    }

    private static void checkLength(RecordReader in, int i, int length) {
        if (length < 0) {
            throw new InvalidRecordException("Record " + i + " has negative length " + length);
        }
        long remaining = in.remaining();
        if (remaining >= 0 && length > remaining) {
            throw new InvalidRecordException("Record " + i + " claims " + length + " bytes but the batch has only "
                    + remaining + " left");
        }
        if (length > in.budget()) {
            throw new RecordTooLargeException("Record " + i + " claims " + length
                    + " bytes, past the decompression bound of its batch");
        }
    }

    /**
     * A length-prefixed byte field: -1 for null, else that many bytes inside the record; returns the
     * length. Both names are constants: building one per field would allocate on every record.
     */
    private static int skipBytesField(RecordReader in, String field, String lengthField) {
        int length = in.readVarint(lengthField);
        if (length < -1) {
            throw new InvalidRecordException(field + " has invalid length " + length);
        }
        if (length > 0) {
            in.skip(length, field);
        }
        return length;
    }
}
