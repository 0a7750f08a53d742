package io.weir.storage;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Crc32C;

/** Hand-built v2 batches and records, byte by byte, as a buggy or hostile client could send them. */
final class RawBatches {
    private RawBatches() {
    }

    /** Writes record fields in Kafka's encoding, including encodings no correct client writes. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes varint(long value) {
            long raw = (value << 1) ^ (value >> 63);
            while ((raw & ~0x7fL) != 0) {
                out.write((int) ((raw & 0x7f) | 0x80));
                raw >>>= 7;
            }
            out.write((int) raw);
            return this;
        }

        Bytes raw(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Bytes bytes(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        byte[] toArray() {
            return out.toByteArray();
        }
    }

    static Bytes bytes() {
        return new Bytes();
    }

    /** A well-formed record body (everything after the length), value "v", no key, no headers. */
    static byte[] body(int offsetDelta) {
        return bytes().raw(0).varint(0).varint(offsetDelta).varint(-1).varint(1).raw('v').varint(0).toArray();
    }

    /** A record: its body prefixed by the body's length. */
    static byte[] record(byte[] body) {
        return bytes().varint(body.length).bytes(body).toArray();
    }

    static MemoryRecords batch(byte[] records, int count) {
        return batch(records, count, count - 1, (short) 0, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_SEQUENCE);
    }

    /** A batch with a correct length and CRC around whatever records section it is given. */
    static MemoryRecords batch(byte[] records, int count, int lastOffsetDelta, short attributes, long producerId,
                               int baseSequence) {
        ByteBuffer b = ByteBuffer.allocate(BatchHeader.SIZE + records.length);
        b.putLong(0L);
        b.putInt(BatchHeader.SIZE - BatchHeader.LOG_OVERHEAD + records.length);
        b.putInt(0);
        b.put(RecordBatch.MAGIC_VALUE_V2);
        b.putInt(0);
        b.putShort(attributes);
        b.putInt(lastOffsetDelta);
        b.putLong(1_000L);
        b.putLong(1_000L);
        b.putLong(producerId);
        b.putShort(producerId < 0 ? RecordBatch.NO_PRODUCER_EPOCH : 0);
        b.putInt(baseSequence);
        b.putInt(count);
        b.put(records);
        b.flip();
        reseal(b);
        return MemoryRecords.readableRecords(b);
    }

    /** Recomputes the CRC of the batch at the buffer's position, over the bytes up to its limit. */
    static void reseal(ByteBuffer batch) {
        int start = batch.position();
        if (batch.limit() - start < 21) {
            return;
        }
        long crc = Crc32C.compute(batch, 21, batch.limit() - start - 21);
        batch.putInt(start + 17, (int) crc);
    }
}
