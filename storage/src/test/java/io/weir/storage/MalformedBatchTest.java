package io.weir.storage;

import static io.weir.storage.RawBatches.batch;
import static io.weir.storage.RawBatches.body;
import static io.weir.storage.RawBatches.bytes;
import static io.weir.storage.RawBatches.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedCompressionTypeException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hand-crafted poison pills: batches with a valid CRC whose records a kafka-clients consumer
 * could not read, and batches whose framing is absurd. Each is refused with the exact
 * Kafka error, and the log is left as it was.
 */
class MalformedBatchTest {
    /** Small, so a compressed bomb stays small: the decompression bound is 64 × this. */
    private static final int MAX_MESSAGE_BYTES = 4096;
    private static final long BOUND = 64L * MAX_MESSAGE_BYTES;

    @TempDir
    Path dir;

    static Stream<Arguments> malformed() {
        return Stream.of(
                refused("key length past the record's end", () -> batch(record(
                        bytes().raw(0).varint(0).varint(0).varint(100).raw('k').varint(-1).varint(0).toArray()), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("header count 50 with no headers", () -> batch(record(
                        bytes().raw(0).varint(0).varint(0).varint(-1).varint(1).raw('v').varint(50).toArray()), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("negative record length", () -> batch(bytes().varint(-5).bytes(body(0)).toArray(), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("key length -2", () -> batch(record(
                        bytes().raw(0).varint(0).varint(0).varint(-2).varint(-1).varint(0).toArray()), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("negative header key length", () -> batch(record(
                        bytes().raw(0).varint(0).varint(0).varint(-1).varint(-1).varint(1).varint(-1).varint(-1)
                                .toArray()), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("record length past the batch's end", () -> batch(bytes().varint(200).bytes(body(0)).toArray(), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("truncated varint", () -> batch(record(
                        bytes().raw(0).varint(0).varint(0).varint(-1).varint(-1).raw(0x80).toArray()), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("varint longer than 5 bytes", () -> batch(record(
                        bytes().raw(0).varint(0).raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).varint(-1).varint(-1)
                                .varint(0).toArray()), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("5-byte varint wider than 32 bits", () -> batch(record(
                        bytes().raw(0).varint(0).varint(0).raw(0xff, 0xff, 0xff, 0xff, 0x7f).varint(-1).varint(0)
                                .toArray()), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("trailing garbage after the last record", () -> batch(
                        bytes().bytes(record(body(0))).raw(1, 2, 3).toArray(), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("trailing bytes inside a record", () -> batch(record(
                        bytes().bytes(body(0)).raw(9, 9).toArray()), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("record count 3 but two records", () -> batch(
                        bytes().bytes(record(body(0))).bytes(record(body(1))).toArray(), 3),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("record count 1 but two records", () -> batch(
                        bytes().bytes(record(body(0))).bytes(record(body(1))).toArray(), 1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("record count 0", () -> batch(new byte[0], 0, 0, (short) 0, -1, -1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("offset delta out of place", () -> batch(
                        bytes().bytes(record(body(0))).bytes(record(body(5))).toArray(), 2),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("idempotent batch without a sequence", () -> batch(record(body(0)), 1, 0, (short) 0, 7L,
                                RecordBatch.NO_SEQUENCE),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("control batch from a client", () -> batch(record(body(0)), 1, 0, (short) 0x20, -1, -1),
                        InvalidRecordException.class, Errors.INVALID_RECORD),
                refused("compression codec 7", () -> batch(record(body(0)), 1, 0, (short) 7, -1, -1),
                        UnsupportedCompressionTypeException.class, Errors.UNSUPPORTED_COMPRESSION_TYPE),
                refused("batch length 2^31-1", MalformedBatchTest::batchLengthMaxInt,
                        CorruptRecordException.class, Errors.CORRUPT_MESSAGE),
                refused("batch length -1", () -> withLength(-1),
                        CorruptRecordException.class, Errors.CORRUPT_MESSAGE),
                refused("gzip codec over bytes that are not gzip", () -> batch(record(body(0)), 1, 0, (short) 1, -1, -1),
                        CorruptRecordException.class, Errors.CORRUPT_MESSAGE),
                refused("zstd codec over bytes that are not zstd", () -> batch(record(body(0)), 1, 0, (short) 4, -1, -1),
                        CorruptRecordException.class, Errors.CORRUPT_MESSAGE),
                refused("gzip bomb: one record past the bound", () -> bomb(Compression.gzip().build(), 1, (int) BOUND + 1),
                        RecordTooLargeException.class, Errors.MESSAGE_TOO_LARGE),
                refused("gzip bomb: many small records past the bound", () -> bomb(Compression.gzip().build(), 300, 1000),
                        RecordTooLargeException.class, Errors.MESSAGE_TOO_LARGE),
                refused("lz4 bomb past the bound", () -> bomb(Compression.lz4().build(), 1, (int) BOUND + 1),
                        RecordTooLargeException.class, Errors.MESSAGE_TOO_LARGE),
                refused("zstd bomb past the bound", () -> bomb(Compression.zstd().build(), 300, 1000),
                        RecordTooLargeException.class, Errors.MESSAGE_TOO_LARGE),
                refused("snappy chunk declaring 2 GiB", () -> snappy(bytes().raw(0, 0, 0, 6)
                                .raw(0xff, 0xff, 0xff, 0xff, 0x07, 0).toArray()),
                        RecordTooLargeException.class, Errors.MESSAGE_TOO_LARGE),
                refused("raw snappy block declaring 2 GiB", () -> batch(
                                bytes().raw(0xff, 0xff, 0xff, 0xff, 0x07, 0).toArray(), 1, 0, (short) 2, -1, -1),
                        RecordTooLargeException.class, Errors.MESSAGE_TOO_LARGE),
                refused("snappy chunk of negative length", () -> snappy(bytes().raw(0xff, 0xff, 0xff, 0xf0, 1, 2).toArray()),
                        CorruptRecordException.class, Errors.CORRUPT_MESSAGE));
    }

    private static Arguments refused(String name, Supplier<MemoryRecords> batch, Class<?> exception, Errors error) {
        return Arguments.of(name, batch, exception, error);
    }

    private static MemoryRecords batchLengthMaxInt() {
        return withLength(Integer.MAX_VALUE);
    }

    private static MemoryRecords withLength(int length) {
        MemoryRecords records = batch(record(body(0)), 1);
        records.buffer().putInt(8, length);
        RawBatches.reseal(records.buffer());
        return records;
    }

    /** A compressed batch of {@code records} records of {@code valueBytes} zero bytes each. */
    private static MemoryRecords bomb(Compression compression, int records, int valueBytes) {
        SimpleRecord[] rs = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            rs[i] = new SimpleRecord(1_000L, null, new byte[valueBytes]);
        }
        MemoryRecords built = MemoryRecords.withRecords(compression, rs);
        assertThat(built.sizeInBytes()).as("the bomb itself is within max.message.bytes")
                .isLessThanOrEqualTo(MAX_MESSAGE_BYTES);
        return built;
    }

    /** A snappy batch in snappy-java's framing (magic header) followed by {@code chunks}. */
    private static MemoryRecords snappy(byte[] chunks) {
        byte[] framed = bytes().raw(0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1).bytes(chunks)
                .toArray();
        return batch(framed, 1, 0, (short) 2, -1, -1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isRefusedWithTheKafkaErrorAndNothingIsWritten(String name, Supplier<MemoryRecords> batch,
                                                         Class<?> exception, Errors error) {
        PartitionLog log = PartitionLog.open(new TopicPartition("poison", 0), dir,
                LogConfig.defaults().withMaxMessageBytes(MAX_MESSAGE_BYTES), new MutableClock(1_700_000_000_000L));
        try {
            log.appendAsLeader(TestBatches.batch("before"), 0);
            MemoryRecords poison = batch.get();
            ByteBuffer sent = poison.buffer().duplicate();

            Throwable thrown = catchThrowable(() -> log.appendAsLeader(poison, 0));

            assertThat(thrown).as(name).isExactlyInstanceOf(exception);
            assertThat(Errors.forException(thrown)).as(name).isEqualTo(error);
            assertThat(log.logEndOffset()).as("nothing written").isEqualTo(1);
            assertThat(TestBatches.valuesOnly(log.read(0, 1 << 20, Long.MAX_VALUE, true).records()))
                    .containsExactly("before");
            assertThat(poison.buffer()).as("a refused batch is not stamped either").isEqualTo(sent);
        } finally {
            log.close();
        }
    }
}
