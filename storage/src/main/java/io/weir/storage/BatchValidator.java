package io.weir.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Checks the batches of an append before anything is written: pure, no Chronicle, no
 * partition state. A batch that fails throws one of kafka-clients' exceptions, which the
 * broker maps to a Kafka error code with {@code Errors.forException}.
 */
final class BatchValidator {
    private BatchValidator() {
    }

    /**
     * Checks every batch of a produce or replication payload.
     *
     * @param maxBatchBytes the largest batch accepted, length prefix included
     * @param leader        also check record structure and offset deltas, as only the leader sees
     *                      batches fresh from a producer
     * @return the header of every batch, in order
     * @throws CorruptRecordException  a batch is truncated, too small or fails its CRC
     * @throws RecordTooLargeException a batch is larger than {@code maxBatchBytes}
     * @throws InvalidRecordException  a batch is not v2, or its records are malformed or inconsistent
     */
    static List<BatchHeader> validate(MemoryRecords records, int maxBatchBytes, boolean leader) {
        ByteBuffer buf = records.buffer();
        int pos = buf.position();
        int end = buf.limit();
        if (pos >= end) {
            throw new InvalidRecordException("No record batches in the append");
        }
        List<BatchHeader> headers = new ArrayList<>(1);
        while (pos < end) {
            int remaining = end - pos;
            if (remaining > BatchHeader.MAGIC_OFFSET && buf.get(pos + BatchHeader.MAGIC_OFFSET) != RecordBatch.MAGIC_VALUE_V2) {
                throw new InvalidRecordException("Only record batch format v2 is supported, got magic "
                        + buf.get(pos + BatchHeader.MAGIC_OFFSET));
            }
            if (remaining < BatchHeader.SIZE) {
                throw new CorruptRecordException("Truncated record batch header: " + remaining + " bytes");
            }
            BatchHeader h = BatchHeader.read(buf, pos);
            if (h.sizeInBytes() < BatchHeader.SIZE) {
                throw new CorruptRecordException("Record batch size " + h.sizeInBytes() + " is too small");
            }
            if (h.sizeInBytes() > maxBatchBytes) {
                throw new RecordTooLargeException("Record batch of " + h.sizeInBytes()
                        + " bytes exceeds max.message.bytes " + maxBatchBytes);
            }
            if (h.sizeInBytes() > remaining) {
                throw new CorruptRecordException("Record batch of " + h.sizeInBytes() + " bytes is truncated at "
                        + remaining);
            }
            ByteBuffer slice = buf.duplicate();
            slice.limit(pos + h.sizeInBytes()).position(pos);
            ByteBuffer batchBuf = slice.slice();
            DefaultRecordBatch batch = (DefaultRecordBatch) MemoryRecords.readableRecords(batchBuf.duplicate())
                    .batches().iterator().next();
            if (!batch.isValid()) {
                throw new CorruptRecordException("Record batch at position " + pos + " fails its CRC check");
            }
            if (h.lastOffsetDelta() < 0) {
                throw new InvalidRecordException("Negative last offset delta " + h.lastOffsetDelta());
            }
            if (leader) {
                validateRecords(batch, h, batchBuf);
            }
            headers.add(h);
            pos += h.sizeInBytes();
        }
        return headers;
    }

    private static void validateRecords(DefaultRecordBatch batch, BatchHeader h, ByteBuffer batchBuf) {
        if (batch.isControlBatch() || batch.isTransactional()) {
            throw new InvalidRecordException("Transactional and control batches are not supported yet");
        }
        if (h.recordsCount() <= 0 || h.lastOffsetDelta() != h.recordsCount() - 1) {
            throw new InvalidRecordException("Record batch claims " + h.recordsCount()
                    + " records with last offset delta " + h.lastOffsetDelta());
        }
        if (!batch.isCompressed()) {
            validateUncompressedRecords(batchBuf, h);
            return;
        }
        int expectedDelta = 0;
        try (CloseableIterator<Record> it = batch.skipKeyValueIterator(BufferSupplier.NO_CACHING)) {
            while (it.hasNext()) {
                Record r = it.next();
                if (r.offset() - batch.baseOffset() != expectedDelta) {
                    throw new InvalidRecordException("Record offset delta " + (r.offset() - batch.baseOffset())
                            + " where " + expectedDelta + " was expected");
                }
                expectedDelta++;
            }
        } catch (InvalidRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptRecordException("Malformed records in batch: " + e.getMessage(), e);
        }
        if (expectedDelta != h.recordsCount()) {
            throw new InvalidRecordException("Record batch claims " + h.recordsCount() + " records but holds "
                    + expectedDelta);
        }
    }

    /**
     * Walks the records of an uncompressed batch in place, without allocating: each record's
     * length must stay inside the batch, its offset delta must be its position, and the
     * records must fill the batch exactly.
     */
    private static void validateUncompressedRecords(ByteBuffer buf, BatchHeader h) {
        int pos = BatchHeader.SIZE;
        int end = buf.limit();
        long[] varint = new long[1];
        for (int i = 0; i < h.recordsCount(); i++) {
            pos = Varints.read(buf, pos, end, varint);
            long length = Varints.zigzag(varint[0]);
            if (length < 3 || length > end - pos) {
                throw new InvalidRecordException("Record " + i + " has invalid length " + length);
            }
            int recordEnd = pos + (int) length;
            int p = pos + 1; // attributes
            p = Varints.read(buf, p, recordEnd, varint); // timestamp delta
            p = Varints.read(buf, p, recordEnd, varint); // offset delta
            if (Varints.zigzag(varint[0]) != i) {
                throw new InvalidRecordException("Record offset delta " + Varints.zigzag(varint[0]) + " where " + i
                        + " was expected");
            }
            pos = recordEnd;
        }
        if (pos != end) {
            throw new InvalidRecordException("Record batch has " + (end - pos) + " bytes after its "
                    + h.recordsCount() + " records");
        }
    }
}
