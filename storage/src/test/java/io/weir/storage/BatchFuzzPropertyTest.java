package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Random damage to valid batches, with the CRC recomputed as a buggy or hostile client
 * would: validation either accepts the batch, and then kafka-clients can read every record
 * of it, or refuses it with a Kafka error. Nothing else ever comes out, for any bytes.
 */
class BatchFuzzPropertyTest {
    private static final int MAX_MESSAGE_BYTES = LogConfig.DEFAULT_MAX_MESSAGE_BYTES;

    /** One edit: overwrite, flip bits, insert or delete bytes at a position (a fraction of the batch). */
    record Edit(int kind, double at, int value, int length) {
        ByteBuffer applyTo(ByteBuffer in) {
            int n = in.remaining();
            int pos = Math.min(n, (int) (at * n));
            byte[] b = new byte[n];
            in.duplicate().get(b);
            return switch (kind) {
                case 0 -> { // overwrite one byte
                    if (pos < n) {
                        b[pos] = (byte) value;
                    }
                    yield ByteBuffer.wrap(b);
                }
                case 1 -> { // flip one bit
                    if (pos < n) {
                        b[pos] ^= (byte) (1 << (value & 7));
                    }
                    yield ByteBuffer.wrap(b);
                }
                case 2 -> { // insert bytes
                    ByteBuffer out = ByteBuffer.allocate(n + length);
                    out.put(b, 0, pos);
                    for (int i = 0; i < length; i++) {
                        out.put((byte) (value + i));
                    }
                    out.put(b, pos, n - pos);
                    yield out.flip();
                }
                default -> { // delete bytes
                    int cut = Math.min(length, n - pos);
                    ByteBuffer out = ByteBuffer.allocate(n - cut);
                    out.put(b, 0, pos);
                    out.put(b, pos + cut, n - pos - cut);
                    yield out.flip();
                }
            };
        }
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        // Half the edits land in the 61-byte header of a typical batch, where the framing is.
        Arbitrary<Double> at = Arbitraries.oneOf(Arbitraries.doubles().between(0, 0.3),
                Arbitraries.doubles().between(0, 1));
        return Combinators.combine(Arbitraries.integers().between(0, 3), at, Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(1, 6)).as(Edit::new).list().ofMinSize(1).ofMaxSize(3);
    }

    @Provide
    Arbitrary<RandomBatches.BatchSpec> batches() {
        return RandomBatches.batches();
    }

    @Property(tries = 2000)
    void aDamagedBatchIsEitherReadableByKafkaClientsOrRefusedWithAKafkaError(
            @ForAll("batches") RandomBatches.BatchSpec spec, @ForAll("edits") List<Edit> edits) {
        ByteBuffer bytes = spec.build().buffer();
        for (Edit e : edits) {
            bytes = e.applyTo(bytes);
        }
        RawBatches.reseal(bytes);
        MemoryRecords damaged = MemoryRecords.readableRecords(bytes);

        try {
            BatchValidator.validate(damaged, MAX_MESSAGE_BYTES, false); // a follower checks the framing only
        } catch (ApiException refused) {
            // refusing is fine; anything else would fail the property
        }
        String verdict;
        try {
            BatchValidator.validate(damaged, MAX_MESSAGE_BYTES, true);
            readEveryRecord(damaged);
            verdict = "accepted";
        } catch (ApiException refused) {
            verdict = refused.getClass().getSimpleName();
        }
        Statistics.label("verdict").collect(verdict);
        Statistics.label("verdict").coverage(c -> c.check("accepted").percentage(p -> p > 5));
    }

    @Property(tries = 150)
    void anAppendOfDamagedBytesWritesEitherAReadableBatchOrNothing(
            @ForAll("batches") RandomBatches.BatchSpec spec, @ForAll("edits") List<Edit> edits)
            throws IOException, InterruptedException {
        ByteBuffer bytes = spec.build().buffer();
        for (Edit e : edits) {
            bytes = e.applyTo(bytes);
        }
        RawBatches.reseal(bytes);
        try (ScratchDir scratch = ScratchDir.create("weir-fuzz")) {
            Path dir = scratch.path();
            PartitionLog log = PartitionLog.open(new TopicPartition("fuzz", 0), dir, LogConfig.defaults(),
                    new MutableClock(1_700_000_000_000L));
            try {
                try {
                    log.appendAsLeader(MemoryRecords.readableRecords(bytes), 3);
                } catch (ApiException refused) {
                    assertThat(log.logEndOffset()).as("a refused append writes nothing").isZero();
                    return;
                }
                MemoryRecords stored = log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true).records();
                readEveryRecord(stored);
                assertThat(log.logEndOffset()).isPositive();
            } finally {
                log.close();
            }
        }
    }

    /** Reads every field of every record the way a consumer does; throws if kafka-clients cannot. */
    private static void readEveryRecord(MemoryRecords records) {
        for (RecordBatch batch : records.batches()) {
            batch.ensureValid();
            long count = 0;
            for (Record r : batch) {
                r.offset();
                r.timestamp();
                if (r.hasKey()) {
                    r.key().remaining();
                }
                if (r.hasValue()) {
                    r.value().remaining();
                }
                for (Header h : r.headers()) {
                    h.key();
                    h.value();
                }
                count++;
            }
            assertThat(count).isEqualTo((long) batch.countOrNull());
        }
    }
}
