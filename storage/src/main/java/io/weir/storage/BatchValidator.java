package io.weir.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedCompressionTypeException;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Checks the batches of an append before anything is written, as Kafka's
 * {@code UnifiedLog.analyzeAndValidateRecords} and {@code LogValidator} do: pure, no
 * Chronicle, no partition state. Whatever the bytes, it returns or throws one of
 * kafka-clients' {@link org.apache.kafka.common.errors.ApiException}s, which the broker
 * maps to a Kafka error code with {@code Errors.forException}; a rejected append writes
 * nothing.
 *
 * <p>Every batch: v2, a whole header, a length that fits the bytes sent and the size
 * limit, a valid CRC. A leader's batch (fresh from a producer) also: a known codec, not a
 * control or transactional batch, a record count that matches its offset range, a
 * sequence for an idempotent producer, and every record well-formed
 * ({@link RecordsValidator}), decompressed under a bound for a compressed batch
 * ({@link CompressedRecords}). A follower trusts the leader's record checks, as in Kafka.
 */
final class BatchValidator {
    /** Bytes of a batch's length field and everything before it; the length counts the rest. */
    private static final int LENGTH_FIELD_END = BatchHeader.LOG_OVERHEAD;
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int BASE_TIMESTAMP_OFFSET = 27;
    private static final int TRANSACTIONAL_FLAG = 0x10;
    private static final int CONTROL_FLAG = 0x20;

    private BatchValidator() {
    }

    /**
     * Checks every batch of a produce or replication payload.
     *
     * @param maxBatchBytes the largest batch accepted, length prefix included
     * @param leader        also check codec, offsets, sequence and every record, as only the leader
     *                      sees batches fresh from a producer
     * @return the header of every batch, in order
     * @throws CorruptRecordException              a batch is truncated, too small, fails its CRC or
     *                                             cannot be decompressed
     * @throws RecordTooLargeException             a batch is larger than {@code maxBatchBytes}, or its
     *                                             records decompress past the bound
     * @throws InvalidRecordException              a batch is not v2, or its records are malformed or
     *                                             inconsistent
     * @throws UnsupportedCompressionTypeException a leader's batch names an unknown codec
     */
    static List<BatchHeader> validate(MemoryRecords records, int maxBatchBytes, boolean leader) {
        return validate(records, maxBatchBytes, leader, false);
    }

    /**
     * As {@link #validate(MemoryRecords, int, boolean)}; with {@code requireKeys} (a leader of a
     * compacted topic) a record without a key is INVALID_RECORD, as in Kafka.
     */
    static List<BatchHeader> validate(MemoryRecords records, int maxBatchBytes, boolean leader, boolean requireKeys) {
        return validate(records, maxBatchBytes, leader, requireKeys, null);
    }

    /**
     * As {@link #validate(MemoryRecords, int, boolean, boolean)}; with {@code bounds} (a leader of a
     * CreateTime topic) every record's timestamp must be inside them, else the batch is refused with
     * INVALID_TIMESTAMP naming each record out of bounds ({@link InvalidRecordTimestampsException}).
     */
    static List<BatchHeader> validate(MemoryRecords records, int maxBatchBytes, boolean leader, boolean requireKeys,
                                      TimestampBounds bounds) {
        ByteBuffer buf = records.buffer();
        int pos = buf.position();
        int end = buf.limit();
        if (pos >= end) {
            throw new InvalidRecordException("No record batches in the append");
        }
        List<BatchHeader> headers = new ArrayList<>(1);
        while (pos < end) {
            int size = checkFraming(buf, pos, end - pos, maxBatchBytes);
            BatchHeader h = BatchHeader.read(buf, pos);
            assert h.sizeInBytes() == size : "the header's size is the checked size";
            if (h.lastOffsetDelta() < 0) {
                throw new InvalidRecordException("Negative last offset delta " + h.lastOffsetDelta());
            }
            if (leader) {
                ByteBuffer batch = buf.duplicate().limit(pos + size).position(pos).slice();
                validateLeaderBatch(batch, h, maxBatchBytes, requireKeys, bounds);
            }
            headers.add(h);
            pos += size;
        }
        return headers;
    }

    /**
     * The checks every batch gets: magic, header, length, CRC.
     *
     * @return the batch's size in bytes, length prefix included
     */
    private static int checkFraming(ByteBuffer buf, int pos, int remaining, int maxBatchBytes) {
        if (remaining > BatchHeader.MAGIC_OFFSET && buf.get(pos + BatchHeader.MAGIC_OFFSET) != RecordBatch.MAGIC_VALUE_V2) {
            throw new InvalidRecordException("Only record batch format v2 is supported, got magic "
                    + buf.get(pos + BatchHeader.MAGIC_OFFSET));
        }
        if (remaining < BatchHeader.SIZE) {
            throw new CorruptRecordException("Truncated record batch header: " + remaining + " bytes");
        }
        // In long arithmetic: a length near 2^31 must not wrap around to look small.
        long size = buf.getInt(pos + 8) + (long) LENGTH_FIELD_END;
        if (size < BatchHeader.SIZE) {
            throw new CorruptRecordException("Record batch size " + size + " is smaller than a batch header");
        }
        if (size > remaining) {
            throw new CorruptRecordException("Record batch of " + size + " bytes is truncated at " + remaining);
        }
        if (size > maxBatchBytes) {
            throw new RecordTooLargeException("Record batch of " + size + " bytes exceeds max.message.bytes "
                    + maxBatchBytes);
        }
        long stored = buf.getInt(pos + CRC_OFFSET) & 0xffffffffL;
        // Crc32C takes an offset from the buffer's position, not an absolute one.
        long computed = Crc32C.compute(buf, pos - buf.position() + ATTRIBUTES_OFFSET, (int) size - ATTRIBUTES_OFFSET);
        if (stored != computed) {
            throw new CorruptRecordException("Record batch at position " + pos + " fails its CRC check");
        }
        return (int) size;
    }

    /** Kafka's LogValidator checks of a client's batch, then every record. */
    private static void validateLeaderBatch(ByteBuffer batch, BatchHeader h, int maxBatchBytes, boolean requireKeys,
                                            TimestampBounds bounds) {
        short attributes = batch.getShort(ATTRIBUTES_OFFSET);
        CompressionType codec = CompressedRecords.codecOf(attributes);
        if ((attributes & (CONTROL_FLAG | TRANSACTIONAL_FLAG)) != 0) {
            throw new InvalidRecordException("Transactional and control batches are not supported yet");
        }
        if (h.recordsCount() <= 0 || h.lastOffsetDelta() != h.recordsCount() - 1) {
            throw new InvalidRecordException("Record batch claims " + h.recordsCount()
                    + " records with last offset delta " + h.lastOffsetDelta());
        }
        if (h.hasProducerId() && h.baseSequence() < 0) {
            throw new InvalidRecordException("Invalid sequence number " + h.baseSequence()
                    + " in record batch with producerId " + h.producerId());
        }
        long baseTimestamp = batch.getLong(BASE_TIMESTAMP_OFFSET);
        if (codec == CompressionType.NONE) {
            validateUncompressed(batch, h.recordsCount(), requireKeys, baseTimestamp, bounds);
            return;
        }
        try (StreamRecordReader records = CompressedRecords.open(batch, codec, CompressedRecords.bound(maxBatchBytes))) {
            RecordsValidator.validate(records, h.recordsCount(), requireKeys, baseTimestamp, bounds);
        }
    }

    /**
     * The records of an uncompressed batch, their timestamps included: in a heap array (a produce
     * request's bytes) by {@link ArrayRecordsValidator}'s tight loop; a refusal, or a buffer with no
     * array, by {@link RecordsValidator}, which throws the error naming the field at fault, or every
     * record out of bounds.
     */
    private static void validateUncompressed(ByteBuffer batch, int count, boolean requireKeys, long baseTimestamp,
                                             TimestampBounds bounds) {
        boolean inArray = batch.hasArray();
        int start = inArray ? batch.arrayOffset() + BatchHeader.SIZE : 0;
        int end = inArray ? batch.arrayOffset() + batch.limit() : 0;
        if (inArray && ArrayRecordsValidator.isValid(batch.array(), start, end, count, requireKeys, baseTimestamp,
                bounds)) {
            return;
        }
        RecordsValidator.validate(new BufferRecordReader(batch, BatchHeader.SIZE, batch.limit()), count, requireKeys,
                baseTimestamp, bounds);
        if (inArray) {
            // The two validators disagree, which ArrayRecordsValidatorPropertyTest rules out; refuse
            // rather than store a batch one of them finds malformed.
            assert false : "ArrayRecordsValidator refused records RecordsValidator accepts";
            throw new InvalidRecordException("Record batch has malformed records");
        }
    }
}
