package io.weir.bench.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** The benchmark workload: one ~16 KiB uncompressed v2 batch of fixed-size records, as a producer builds it. */
final class Batches {
    static final int BATCH_BYTES = 16 * 1024;

    private Batches() {
    }

    static byte[] sixteenKiBBatch(int recordSize) {
        Random random = new Random(42);
        List<SimpleRecord> records = new ArrayList<>();
        byte[] batch = new byte[0];
        while (true) {
            byte[] value = new byte[recordSize];
            random.nextBytes(value);
            records.add(new SimpleRecord(System.currentTimeMillis(), null, value));
            MemoryRecords built = MemoryRecords.withRecords(Compression.NONE, records.toArray(SimpleRecord[]::new));
            if (built.sizeInBytes() > BATCH_BYTES) {
                return batch;
            }
            ByteBuffer buf = built.buffer();
            batch = new byte[buf.remaining()];
            buf.get(batch);
        }
    }

    static int recordCount(byte[] batch) {
        return MemoryRecords.readableRecords(ByteBuffer.wrap(batch)).batches().iterator().next().countOrNull();
    }
}
