package io.weir.storage;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** jqwik arbitraries for valid v2 batches as kafka-clients' own builders write them. */
final class RandomBatches {
    private RandomBatches() {
    }

    record HeaderSpec(String key, byte[] value) {
    }

    record RecordSpec(long timestampDelta, byte[] key, byte[] value, List<HeaderSpec> headers) {
    }

    /** One batch: producer id -1 means not idempotent. */
    record BatchSpec(CompressionType codec, long producerId, short producerEpoch, int baseSequence,
                     long baseTimestamp, List<RecordSpec> records) {

        MemoryRecords build() {
            SimpleRecord[] simple = new SimpleRecord[records.size()];
            for (int i = 0; i < simple.length; i++) {
                RecordSpec r = records.get(i);
                Header[] headers = r.headers().stream()
                        .map(h -> (Header) new RecordHeader(h.key(), h.value())).toArray(Header[]::new);
                simple[i] = new SimpleRecord(baseTimestamp + r.timestampDelta(), r.key(), r.value(), headers);
            }
            Compression compression = Compression.of(codec).build();
            return producerId == RecordBatch.NO_PRODUCER_ID
                    ? MemoryRecords.withRecords(compression, simple)
                    : MemoryRecords.withIdempotentRecords(compression, producerId, producerEpoch, baseSequence, simple);
        }

        @Override
        public String toString() {
            return codec + " batch of " + records.size() + " records, producer " + producerId;
        }
    }

    static Arbitrary<BatchSpec> batches() {
        return batches(Arbitraries.of(CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY,
                CompressionType.LZ4, CompressionType.ZSTD));
    }

    static Arbitrary<BatchSpec> batches(Arbitrary<CompressionType> codecs) {
        Arbitrary<Long> producerIds = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(RecordBatch.NO_PRODUCER_ID)),
                Tuple.of(1, Arbitraries.longs().between(0, 1_000_000)));
        return Combinators.combine(codecs, producerIds, Arbitraries.shorts().between((short) 0, (short) 5),
                        Arbitraries.integers().between(0, 1_000_000), Arbitraries.longs().between(10_000, 2_000_000_000_000L),
                        records().list().ofMinSize(1).ofMaxSize(20))
                .as(BatchSpec::new);
    }

    private static Arbitrary<RecordSpec> records() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> nullable = bytes.injectNull(0.2);
        Arbitrary<HeaderSpec> header = Combinators.combine(
                Arbitraries.strings().ofMaxLength(12).map(s -> new String(s.getBytes(StandardCharsets.UTF_8),
                        StandardCharsets.UTF_8)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20).injectNull(0.2)).as(HeaderSpec::new);
        return Combinators.combine(Arbitraries.longs().between(-5_000, 5_000), nullable, nullable,
                header.list().ofMaxSize(3)).as(RecordSpec::new);
    }
}
