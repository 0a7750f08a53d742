package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.internal.MemoryRecords;

/** The batch checks alone, on batches written by kafka-clients' own builders. */
class BatchValidatorPropertyTest {
    private static final int NO_LIMIT = Integer.MAX_VALUE;

    @Provide
    Arbitrary<RandomBatches.BatchSpec> batches() {
        return RandomBatches.batches();
    }

    @Property(tries = 200)
    void everyBatchAProducerCanBuildIsAcceptedAsLeaderAndFollower(@ForAll("batches") RandomBatches.BatchSpec spec) {
        MemoryRecords records = spec.build();
        for (boolean leader : new boolean[] {true, false}) {
            List<BatchHeader> headers = BatchValidator.validate(records, NO_LIMIT, leader);
            assertThat(headers).singleElement().satisfies(h -> {
                assertThat(h.recordsCount()).isEqualTo(spec.records().size());
                assertThat(h.sizeInBytes()).isEqualTo(records.sizeInBytes());
                assertThat(h.producerId()).isEqualTo(spec.producerId());
            });
        }
    }

    @Property(tries = 200)
    void aBatchCutShortIsCorrupt(@ForAll("batches") RandomBatches.BatchSpec spec,
                                 @ForAll @IntRange(min = 1, max = 100_000) int cutSeed) {
        ByteBuffer whole = spec.build().buffer();
        int keep = 1 + cutSeed % (whole.remaining() - 1);
        ByteBuffer cut = whole.duplicate();
        cut.limit(cut.position() + keep);
        MemoryRecords truncated = MemoryRecords.readableRecords(cut.slice());

        assertThatThrownBy(() -> BatchValidator.validate(truncated, NO_LIMIT, true))
                .isInstanceOf(CorruptRecordException.class);
    }

    @Property(tries = 100)
    void aBatchOverTheLimitIsTooLargeWhateverElseIsWrongAfterTheHeader(
            @ForAll("batches") RandomBatches.BatchSpec spec) {
        MemoryRecords records = spec.build();
        records.buffer().put(records.sizeInBytes() - 1, (byte) 0x55); // would fail the CRC, if it were checked

        assertThatThrownBy(() -> BatchValidator.validate(records, records.sizeInBytes() - 1, true))
                .isInstanceOf(RecordTooLargeException.class);
    }

    @Property(tries = 200)
    void aFlippedBitAfterTheCrcFieldFailsTheCrc(@ForAll("batches") RandomBatches.BatchSpec spec,
                                               @ForAll @IntRange(min = 0, max = 100_000) int at,
                                               @ForAll @IntRange(min = 0, max = 7) int bit) {
        MemoryRecords records = spec.build();
        ByteBuffer buf = records.buffer();
        int pos = 21 + at % (buf.remaining() - 21); // the CRC covers attributes (offset 21) to the end
        buf.put(pos, (byte) (buf.get(pos) ^ (1 << bit)));

        assertThatThrownBy(() -> BatchValidator.validate(records, NO_LIMIT, true))
                .isInstanceOf(CorruptRecordException.class);
    }

    @Property(tries = 20)
    void anEmptyAppendIsInvalid() {
        assertThatThrownBy(() -> BatchValidator.validate(MemoryRecords.EMPTY, NO_LIMIT, true))
                .isInstanceOf(InvalidRecordException.class);
    }
}
