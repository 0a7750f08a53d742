package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code message.timestamp.before.max.ms} / {@code after.max.ms}: a leader of a CreateTime log refuses a
 * batch with a record stamped too far from its clock (INVALID_TIMESTAMP, every such record named by its
 * index, nothing written), as Kafka's LogValidator does.
 */
class RecordTimestampBoundsTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(NOW);
    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(LogConfig config) {
        PartitionLog log = PartitionLog.open(new TopicPartition("ts", opened.size()), dir.resolve("p" + opened.size()),
                config, clock);
        opened.add(log);
        return log;
    }

    private static LogConfig kafkaDefaults() {
        return LogConfig.defaults().withTimestampBounds(Long.MAX_VALUE, HOUR);
    }

    @Test
    void aRecordTooFarInTheFutureRefusesItsBatchAndNothingIsWritten() {
        PartitionLog log = open(kafkaDefaults());
        MemoryRecords batch = batch(Compression.NONE, NOW, NOW + HOUR + 1, NOW - 365 * DAY);

        assertThatThrownBy(() -> log.appendAsLeader(batch, 0))
                .isInstanceOfSatisfying(InvalidRecordTimestampsException.class, e -> {
                    assertThat(Errors.forException(e)).isEqualTo(Errors.INVALID_TIMESTAMP);
                    assertThat(e.records()).extracting(InvalidRecordTimestampsException.RejectedRecord::batchIndex)
                            .containsExactly(1);
                    assertThat(e.records().get(0).message()).contains(Long.toString(NOW + HOUR + 1))
                            .contains("[" + (NOW - Long.MAX_VALUE) + ", " + (NOW + HOUR) + "]");
                });
        assertThat(log.logEndOffset()).isZero();
        // Exactly at the bound, and a year old with no bound into the past: accepted.
        assertThat(log.appendAsLeader(batch(Compression.NONE, NOW + HOUR, NOW - 365 * DAY), 0).lastOffset())
                .isEqualTo(1);
    }

    @Test
    void everyRecordOutOfBoundsIsNamedInCompressedBatchesToo() {
        PartitionLog log = open(kafkaDefaults().withTimestampBounds(DAY, 0));
        MemoryRecords batch = batch(Compression.gzip().build(), NOW - DAY - 1, NOW, NOW + 1, NOW - DAY);
        assertThatThrownBy(() -> log.appendAsLeader(batch, 0))
                .isInstanceOfSatisfying(InvalidRecordTimestampsException.class, e -> assertThat(e.records())
                        .extracting(InvalidRecordTimestampsException.RejectedRecord::batchIndex).containsExactly(0, 2));
        assertThat(log.logEndOffset()).isZero();
    }

    /**
     * A compacted topic's keyless records are refused with the others, one error per record and the
     * key's first, as Kafka's LogValidator: INVALID_TIMESTAMP if any timestamp is refused, else
     * INVALID_RECORD, each naming the records.
     */
    @Test
    void keylessRecordsOfACompactedTopicAreNamedWithTheTimestampRefusals() {
        LogConfig compacted = kafkaDefaults().withCleanup(LogConfig.Cleanup.DELETE.withPolicy(false, true));
        PartitionLog log = open(compacted);
        MemoryRecords mixed = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(NOW, null, "a".getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord(NOW + DAY, "k".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord(NOW + DAY, null, "c".getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord(NOW, "k".getBytes(StandardCharsets.UTF_8), "d".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> log.appendAsLeader(mixed, 0))
                .isInstanceOfSatisfying(InvalidRecordTimestampsException.class, e -> {
                    assertThat(e.records()).extracting(InvalidRecordTimestampsException.RejectedRecord::batchIndex)
                            .containsExactly(0, 1, 2);
                    assertThat(e.records().get(0).message()).contains("without key");
                    assertThat(e.records().get(1).message()).contains("out of range");
                    assertThat(e.records().get(2).message()).as("the key's error first").contains("without key");
                });
        MemoryRecords keyless = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(NOW, "k".getBytes(StandardCharsets.UTF_8), "a".getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord(NOW, null, "b".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> log.appendAsLeader(keyless, 0))
                .isInstanceOfSatisfying(InvalidRecordsException.class, e -> {
                    assertThat(Errors.forException(e)).isEqualTo(Errors.INVALID_RECORD);
                    assertThat(e.records()).extracting(InvalidRecordTimestampsException.RejectedRecord::batchIndex)
                            .containsExactly(1);
                    assertThat(e.getMessage()).contains("without key");
                });
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void theBoundsMoveWithTheClockAndAnUnboundedLogTakesAnything() {
        PartitionLog log = open(kafkaDefaults());
        assertThatThrownBy(() -> log.appendAsLeader(batch(Compression.NONE, NOW + 2 * HOUR), 0))
                .isInstanceOf(InvalidTimestampException.class);
        clock.advance(HOUR);
        assertThat(log.appendAsLeader(batch(Compression.NONE, NOW + 2 * HOUR), 0).lastOffset()).isZero();

        PartitionLog unbounded = open(LogConfig.defaults());
        assertThat(unbounded.appendAsLeader(batch(Compression.NONE, Long.MAX_VALUE - 1, 0), 0).lastOffset())
                .isEqualTo(1);
    }

    @Test
    void aLogAppendTimeLogOverwritesTimestampsInsteadOfRefusingThem() {
        PartitionLog log = open(kafkaDefaults().withTimestampBounds(0, 0).withTimestampType(TimestampType.LOG_APPEND_TIME));
        LogAppendInfo info = log.appendAsLeader(batch(Compression.NONE, NOW + 10 * DAY, 1), 0);
        assertThat(info.lastOffset()).isEqualTo(1);
        RecordBatch stored = log.read(0, 1 << 20, Long.MAX_VALUE, true).records().batches().iterator().next();
        assertThat(stored.maxTimestamp()).isEqualTo(NOW);
        assertThat(stored.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
    }

    /**
     * The heap-array pass refuses a batch exactly when the record-by-record validator finds a record
     * out of bounds, and a heap batch is then refused naming the same records as a direct one.
     */
    @Property(tries = 200)
    void theArrayPassAndTheValidatorAgree(@ForAll @Size(min = 1, max = 20) List<@LongRange(min = -3 * DAY, max = 3 * DAY) Long> offsets,
                                          @ForAll @LongRange(min = 0, max = 2 * DAY) long before,
                                          @ForAll @LongRange(min = 0, max = 2 * DAY) long after) {
        long[] timestamps = offsets.stream().mapToLong(o -> NOW + o).toArray();
        MemoryRecords records = batch(Compression.NONE, timestamps);
        ByteBuffer batch = records.buffer();
        TimestampBounds bounds = new TimestampBounds(NOW, before, after);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < timestamps.length; i++) {
            if (bounds.rejects(timestamps[i])) {
                expected.add(i);
            }
        }
        boolean arrayAccepts = ArrayRecordsValidator.isValid(batch.array(), batch.arrayOffset() + BatchHeader.SIZE,
                batch.arrayOffset() + batch.limit(), timestamps.length, false, timestamps[0], bounds);
        assertThat(arrayAccepts).isEqualTo(expected.isEmpty());
        List<Integer> fromHeapBatch = new ArrayList<>();
        try {
            BatchValidator.validate(records, Integer.MAX_VALUE, true, false, bounds);
        } catch (InvalidRecordTimestampsException e) {
            e.records().forEach(r -> fromHeapBatch.add(r.batchIndex()));
        }
        assertThat(fromHeapBatch).isEqualTo(expected);
        ByteBuffer direct = ByteBuffer.allocateDirect(batch.limit());
        direct.put(batch.duplicate()).flip();
        List<Integer> fromValidator = new ArrayList<>();
        try {
            RecordsValidator.validate(new BufferRecordReader(direct, BatchHeader.SIZE, direct.limit()),
                    timestamps.length, false, timestamps[0], bounds);
        } catch (InvalidRecordTimestampsException e) {
            e.records().forEach(r -> fromValidator.add(r.batchIndex()));
        }
        assertThat(fromValidator).isEqualTo(expected);
    }

    @Test
    void kafkasArithmeticAtTheExtremes() {
        TimestampBounds kafka = new TimestampBounds(NOW, Long.MAX_VALUE, HOUR);
        assertThat(kafka.rejects(RecordBatch.NO_TIMESTAMP)).isFalse();
        assertThat(kafka.rejects(0)).isFalse();
        assertThat(kafka.rejects(Long.MIN_VALUE)).as("wraps to far in the future, as in Kafka").isTrue();
        assertThat(kafka.rejects(Long.MAX_VALUE)).isTrue();
        assertThat(new TimestampBounds(NOW, Long.MAX_VALUE, Long.MAX_VALUE).rejects(Long.MAX_VALUE)).isFalse();
    }

    private static MemoryRecords batch(Compression compression, long... timestamps) {
        SimpleRecord[] records = new SimpleRecord[timestamps.length];
        for (int i = 0; i < timestamps.length; i++) {
            records[i] = new SimpleRecord(timestamps[i], null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(compression, records);
    }
}
