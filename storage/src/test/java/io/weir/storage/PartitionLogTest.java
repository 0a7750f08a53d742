package io.weir.storage;

import static io.weir.storage.TestBatches.batch;
import static io.weir.storage.TestBatches.idempotent;
import static io.weir.storage.TestBatches.replicated;
import static io.weir.storage.TestBatches.values;
import static io.weir.storage.TestBatches.valuesOnly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.queue.RollCycles;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(LogConfig config) {
        PartitionLog log = PartitionLog.open(TP, dir, config, clock);
        opened.add(log);
        return log;
    }

    private PartitionLog open() {
        return open(LogConfig.defaults());
    }

    private PartitionLog reopen(PartitionLog log) {
        log.close();
        opened.remove(log);
        return open(log.config());
    }

    private static List<String> readAll(PartitionLog log) {
        return valuesOnly(log.read(log.logStartOffset(), Integer.MAX_VALUE, Long.MAX_VALUE, true).records());
    }

    @Test
    void appendAssignsDenseOffsetsAndLeaderEpochAndReadsBackTheStoredBytes() {
        PartitionLog log = open();
        LogAppendInfo first = log.appendAsLeader(batch("a", "b", "c"), 5);
        LogAppendInfo second = log.appendAsLeader(batch("d"), 5);

        assertThat(first.firstOffset()).isZero();
        assertThat(first.lastOffset()).isEqualTo(2);
        assertThat(second.firstOffset()).isEqualTo(3);
        assertThat(log.logEndOffset()).isEqualTo(4);
        LogReadResult read = log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true);
        assertThat(values(read.records())).extracting(TestBatches.OffsetValue::offset).containsExactly(0L, 1L, 2L, 3L);
        assertThat(valuesOnly(read.records())).containsExactly("a", "b", "c", "d");
        for (RecordBatch b : read.records().batches()) {
            assertThat(b.partitionLeaderEpoch()).isEqualTo(5);
            assertThat(b.isValid()).isTrue();
        }
    }

    @Test
    void readStartsAtTheBatchContainingTheOffsetAndStopsBeforeTheBound() {
        PartitionLog log = open();
        log.appendAsLeader(batch("a", "b"), 0);
        log.appendAsLeader(batch("c", "d"), 0);
        log.appendAsLeader(batch("e"), 0);

        assertThat(values(log.read(3, Integer.MAX_VALUE, Long.MAX_VALUE, true).records()).get(0).offset())
                .isEqualTo(2);
        assertThat(valuesOnly(log.read(0, Integer.MAX_VALUE, 4, true).records())).containsExactly("a", "b", "c", "d");
        assertThat(log.read(4, Integer.MAX_VALUE, 4, true).records().sizeInBytes()).isZero();
        assertThat(log.read(5, Integer.MAX_VALUE, Long.MAX_VALUE, true).records().sizeInBytes()).isZero();
    }

    @Test
    void maxBytesLimitsWholeBatchesButMinOneMessageReturnsAnOversizedFirstBatch() {
        PartitionLog log = open();
        log.appendAsLeader(batch("aaaaaaaaaa"), 0);
        log.appendAsLeader(batch("bbbbbbbbbb"), 0);
        int oneBatch = log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true).records().sizeInBytes() / 2;

        assertThat(valuesOnly(log.read(0, oneBatch + 10, Long.MAX_VALUE, true).records())).containsExactly("aaaaaaaaaa");
        assertThat(valuesOnly(log.read(0, 1, Long.MAX_VALUE, true).records())).containsExactly("aaaaaaaaaa");
        assertThat(log.read(0, 1, Long.MAX_VALUE, false).records().sizeInBytes()).isZero();
    }

    @Test
    void offsetsOutsideTheLogAreOutOfRange() {
        PartitionLog log = open();
        log.appendAsLeader(batch("a"), 0);
        assertThatThrownBy(() -> log.read(2, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThatThrownBy(() -> log.read(-1, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(Errors.forException(new OffsetOutOfRangeException("x"))).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
    }

    @Test
    void advancingTheLogStartOffsetHidesEarlierRecordsDurablyButNeverPassesTheHighWatermark() {
        PartitionLog log = open();
        log.appendAsLeader(batch("a", "b"), 0);
        log.appendAsLeader(batch("c", "d"), 0);
        log.updateHighWatermark(3);

        assertThatThrownBy(() -> log.advanceLogStartOffset(4)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(log.advanceLogStartOffset(3)).isEqualTo(3);
        assertThat(log.advanceLogStartOffset(1)).as("never backwards").isEqualTo(3);
        assertThatThrownBy(() -> log.read(1, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        // The batch holding the new start is read whole; consumers skip the records before it.
        assertThat(valuesOnly(log.read(3, 100, Long.MAX_VALUE, true).records())).containsExactly("c", "d");

        PartitionLog reopened = reopen(log);
        assertThat(reopened.logStartOffset()).isEqualTo(3);
        assertThat(reopened.logEndOffset()).isEqualTo(4);
        assertThatThrownBy(() -> reopened.read(2, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void aBatchFailingItsCrcIsRejectedAsCorruptAndNothingIsWritten() {
        PartitionLog log = open();
        log.appendAsLeader(batch("ok"), 0);
        MemoryRecords bad = batch("x", "y");
        ByteBuffer buf = bad.buffer();
        buf.put(buf.limit() - 1, (byte) (buf.get(buf.limit() - 1) ^ 0x5a));

        assertThatThrownBy(() -> log.appendAsLeader(bad, 0)).isInstanceOf(CorruptRecordException.class);
        assertThat(Errors.forException(new CorruptRecordException("x"))).isEqualTo(Errors.CORRUPT_MESSAGE);
        assertThat(log.logEndOffset()).isEqualTo(1);
        assertThat(readAll(log)).containsExactly("ok");
    }

    @Test
    void aTruncatedBatchAndAnEmptyAppendAreRejected() {
        PartitionLog log = open();
        MemoryRecords full = batch("x", "y");
        ByteBuffer cut = full.buffer().duplicate();
        cut.limit(cut.limit() - 3);
        assertThatThrownBy(() -> log.appendAsLeader(MemoryRecords.readableRecords(cut.slice()), 0))
                .isInstanceOf(CorruptRecordException.class);
        assertThatThrownBy(() -> log.appendAsLeader(MemoryRecords.EMPTY, 0)).isInstanceOf(InvalidRecordException.class);
        ByteBuffer header = ByteBuffer.allocate(20);
        header.put(16, RecordBatch.MAGIC_VALUE_V2);
        assertThatThrownBy(() -> log.appendAsLeader(MemoryRecords.readableRecords(header), 0))
                .isInstanceOf(CorruptRecordException.class);
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void aBatchWithAValidCrcButMalformedRecordsIsInvalid() {
        PartitionLog log = open();
        MemoryRecords wrongCount = batch("a", "b", "c");
        wrongCount.buffer().putInt(57, 4);
        wrongCount.buffer().putInt(23, 3);
        resealCrc(wrongCount.buffer());
        assertThatThrownBy(() -> log.appendAsLeader(wrongCount, 0)).isInstanceOf(InvalidRecordException.class);

        MemoryRecords badLength = batch("a", "b");
        badLength.buffer().put(61, (byte) 0x7e); // first record claims 63 bytes
        resealCrc(badLength.buffer());
        assertThatThrownBy(() -> log.appendAsLeader(badLength, 0)).isInstanceOf(InvalidRecordException.class);
        assertThat(log.logEndOffset()).isZero();
    }

    /** Recomputes a batch's CRC after a test edits it, as a buggy or hostile client would send it. */
    private static void resealCrc(ByteBuffer batch) {
        long crc = org.apache.kafka.common.utils.Crc32C.compute(batch, 21, batch.limit() - 21);
        batch.putInt(17, (int) crc);
    }

    @Test
    void batchesOverMaxMessageBytesAreTooLarge() {
        PartitionLog log = open(LogConfig.defaults().withMaxMessageBytes(200));
        assertThatThrownBy(() -> log.appendAsLeader(batch("x".repeat(300)), 0))
                .isInstanceOf(RecordTooLargeException.class);
        assertThat(Errors.forException(new RecordTooLargeException("x"))).isEqualTo(Errors.MESSAGE_TOO_LARGE);
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void oldMessageFormatsAreInvalid() {
        PartitionLog log = open();
        MemoryRecords v1 = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, Compression.NONE,
                new SimpleRecord(1L, null, "old".getBytes()));
        assertThatThrownBy(() -> log.appendAsLeader(v1, 0)).isInstanceOf(InvalidRecordException.class);
        assertThat(Errors.forException(new InvalidRecordException("x"))).isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void compressedBatchesAreStoredAsSent() {
        PartitionLog log = open();
        MemoryRecords gz = MemoryRecords.withRecords(Compression.gzip().build(),
                new SimpleRecord(1L, null, "one".getBytes()), new SimpleRecord(2L, null, "two".getBytes()));
        int sent = gz.sizeInBytes();
        log.appendAsLeader(gz, 1);
        MemoryRecords read = log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true).records();
        assertThat(read.sizeInBytes()).isEqualTo(sent);
        assertThat(valuesOnly(read)).containsExactly("one", "two");
    }

    @Test
    void logAppendTimeStampsBatchesWithTheBrokerClock() {
        PartitionLog log = open(LogConfig.defaults().withTimestampType(TimestampType.LOG_APPEND_TIME));
        LogAppendInfo info = log.appendAsLeader(batch(5L, "a", "b"), 0);
        assertThat(info.logAppendTime()).isEqualTo(clock.millis());
        RecordBatch stored = log.read(0, 1000, Long.MAX_VALUE, true).records().batches().iterator().next();
        assertThat(stored.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(stored.maxTimestamp()).isEqualTo(clock.millis());
        assertThat(stored.isValid()).isTrue();
    }

    @Test
    void idempotentRetriesAreAcknowledgedOnceAndGapsAreRefused() {
        PartitionLog log = open();
        LogAppendInfo first = log.appendAsLeader(idempotent(7, (short) 0, 0, "a", "b"), 0);
        LogAppendInfo retry = log.appendAsLeader(idempotent(7, (short) 0, 0, "a", "b"), 0);

        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.firstOffset()).isEqualTo(first.firstOffset());
        assertThat(retry.lastOffset()).isEqualTo(first.lastOffset());
        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 0, 5, "gap"), 0))
                .isInstanceOf(OutOfOrderSequenceException.class);
        log.appendAsLeader(idempotent(7, (short) 0, 2, "c"), 0);
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 1, 3, "new epoch, not at 0"), 0))
                .isInstanceOf(OutOfOrderSequenceException.class);
        log.appendAsLeader(idempotent(7, (short) 1, 0, "d"), 0);
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 0, 3, "stale"), 0))
                .isInstanceOf(InvalidProducerEpochException.class);
        assertThat(readAll(log)).containsExactly("a", "b", "c", "d");
    }

    @Test
    void producerStateSurvivesARestart() {
        PartitionLog log = open();
        log.appendAsLeader(idempotent(9, (short) 2, 0, "a"), 0);
        log = reopen(log);
        PartitionLog reopened = log;
        assertThat(reopened.appendAsLeader(idempotent(9, (short) 2, 0, "a"), 0).duplicate()).isTrue();
        assertThatThrownBy(() -> reopened.appendAsLeader(idempotent(9, (short) 2, 3, "b"), 0))
                .isInstanceOf(OutOfOrderSequenceException.class);
    }

    @Test
    void activeProducersReportEachProducersLastBatchAndSurviveARestart() {
        PartitionLog log = open();
        log.appendAsLeader(batch("no producer id"), 0);
        log.appendAsLeader(idempotent(11, (short) 0, 0, "a", "b"), 0);
        log.appendAsLeader(idempotent(4, (short) 3, 0, "x"), 0);
        log.appendAsLeader(idempotent(11, (short) 0, 2, "c"), 0);
        List<ActiveProducer> expected = List.of(new ActiveProducer(4, (short) 3, 0, 1_000L),
                new ActiveProducer(11, (short) 0, 2, 1_000L));

        assertThat(log.activeProducers()).isEqualTo(expected);
        assertThat(reopen(log).activeProducers()).isEqualTo(expected);
    }

    @Test
    void dataEpochsAndHighWatermarkSurviveARestart() {
        PartitionLog log = open();
        log.appendAsLeader(batch("a", "b"), 1);
        log.appendAsLeader(batch("c"), 3);
        log.updateHighWatermark(2);
        log = reopen(log);

        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(log.highWatermark()).isEqualTo(2);
        assertThat(readAll(log)).containsExactly("a", "b", "c");
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 2));
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(3, 3));
        log.appendAsLeader(batch("d"), 3);
        assertThat(log.logEndOffset()).isEqualTo(4);
    }

    @Test
    void highWatermarkIsClampedToTheLog() {
        PartitionLog log = open();
        log.appendAsLeader(batch("a"), 0);
        log.updateHighWatermark(10);
        assertThat(log.highWatermark()).isEqualTo(1);
        log.updateHighWatermark(-5);
        assertThat(log.highWatermark()).isZero();
    }

    @Test
    void endOffsetForEpochFollowsKafkaSemantics() {
        PartitionLog log = open();
        log.appendAsLeader(batch("a", "b"), 2);
        log.appendAsLeader(batch("c"), 4);
        log.appendAsLeader(batch("d"), 7);

        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 0));
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 2));
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(2, 2));
        assertThat(log.endOffsetForEpoch(5)).isEqualTo(new EpochEndOffset(4, 3));
        assertThat(log.endOffsetForEpoch(7)).isEqualTo(new EpochEndOffset(7, 4));
        assertThat(log.endOffsetForEpoch(8)).isEqualTo(EpochEndOffset.UNDEFINED);
    }

    @Test
    void truncateToRemovesTheBatchContainingTheOffsetAndEverythingAfterItDurably() {
        PartitionLog log = open();
        log.appendAsLeader(batch("a", "b"), 1);
        log.appendAsLeader(batch("c", "d"), 2);
        log.appendAsLeader(batch("e"), 3);

        log.truncateTo(3);
        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThat(readAll(log)).containsExactly("a", "b");
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 2));
        assertThat(log.latestEpoch()).isEqualTo(1);

        log.appendAsFollower(replicated(2, 4, "x", "y"));
        assertThat(readAll(log)).containsExactly("a", "b", "x", "y");
        log = reopen(log);
        assertThat(readAll(log)).containsExactly("a", "b", "x", "y");
        assertThat(log.logEndOffset()).isEqualTo(4);
        assertThat(log.latestEpoch()).isEqualTo(4);
        assertThat(values(log.read(2, 1000, Long.MAX_VALUE, true).records()).get(0))
                .isEqualTo(new TestBatches.OffsetValue(2, "x"));
    }

    @Test
    void truncateFullyRestartsTheLogEmptyAtTheGivenOffset() {
        PartitionLog log = open();
        log.appendAsLeader(batch("a", "b"), 1);
        log.truncateFullyAndStartAt(100);
        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(log.logEndOffset()).isEqualTo(100);
        assertThat(log.latestEpoch()).isEqualTo(-1);
        log.appendAsLeader(batch("c"), 2);
        log = reopen(log);
        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(values(log.read(100, 1000, Long.MAX_VALUE, true).records()))
                .containsExactly(new TestBatches.OffsetValue(100, "c"));
        assertThatThrownBy(() -> readAfter(0)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    private void readAfter(long offset) {
        opened.get(opened.size() - 1).read(offset, 100, Long.MAX_VALUE, true);
    }

    @Test
    void followerAppendRejectsOffsetsBelowTheLogEnd() {
        PartitionLog log = open();
        log.appendAsFollower(replicated(0, 1, "a", "b"));
        assertThatThrownBy(() -> log.appendAsFollower(replicated(1, 1, "c"))).isInstanceOf(InvalidRecordException.class);
        assertThat(log.logEndOffset()).isEqualTo(2);
    }

    @Test
    void offsetLookupByTimestamp() {
        PartitionLog log = open();
        log.appendAsLeader(batch(100L, "a", "b"), 0); // timestamps 100, 101
        log.appendAsLeader(batch(500L, "c"), 0);
        log.appendAsLeader(batch(300L, "d"), 0);

        assertThat(log.offsetForTimestamp(-2L)).hasValueSatisfying(t -> assertThat(t.offset()).isZero());
        assertThat(log.offsetForTimestamp(-1L)).hasValueSatisfying(t -> assertThat(t.offset()).isEqualTo(4));
        assertThat(log.offsetForTimestamp(-3L)).hasValueSatisfying(t -> {
            assertThat(t.offset()).isEqualTo(2);
            assertThat(t.timestamp()).isEqualTo(500);
        });
        assertThat(log.offsetForTimestamp(101L)).hasValueSatisfying(t -> assertThat(t.offset()).isEqualTo(1));
        assertThat(log.offsetForTimestamp(102L)).hasValueSatisfying(t -> assertThat(t.offset()).isEqualTo(2));
        assertThat(log.offsetForTimestamp(501L)).isEmpty();
    }

    @Test
    void retentionByTimeDeletesExpiredRollFilesBelowTheHighWatermark() throws java.io.IOException {
        PartitionLog log = open(LogConfig.defaults().withRollCycle(RollCycles.FAST_HOURLY).withRetention(2 * HOUR, -1));
        log.appendAsLeader(batch(clock.millis(), "old"), 0);
        clock.advance(HOUR);
        log.appendAsLeader(batch(clock.millis(), "middle"), 0);
        clock.advance(HOUR);
        log.appendAsLeader(batch(clock.millis(), "new"), 0);
        assertThat(log.rollFileCount()).isEqualTo(3);
        clock.advance(2 * HOUR + 1);

        assertThat(log.applyRetention()).as("nothing is deleted above the high watermark").isZero();
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.applyRetention()).isEqualTo(2);
        assertThat(log.logStartOffset()).isEqualTo(2);
        assertThat(readAll(log)).containsExactly("new");
        assertThatThrownBy(() -> log.read(0, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        PartitionLog reopened = reopen(log);
        assertThat(reopened.logStartOffset()).isEqualTo(2);
        assertThat(readAll(reopened)).containsExactly("new");
        assertThat(reopened.rollFileCount()).isEqualTo(1);
        try (var files = java.nio.file.Files.list(dir.resolve("queue-0"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".cq4")).count()).as("roll files on disk").isEqualTo(1);
        }
    }

    @Test
    void retentionByBytesKeepsTheLogUnderTheLimit() {
        PartitionLog log = open();
        for (int i = 0; i < 4; i++) {
            log.appendAsLeader(batch(clock.millis(), "v" + i), 0);
            clock.advance(HOUR);
        }
        long perBatch = log.sizeInBytes() / 4;
        log.updateConfig(log.config().withRetention(-1, 2 * perBatch));
        log.updateHighWatermark(log.logEndOffset());

        assertThat(log.applyRetention()).isEqualTo(2);
        assertThat(readAll(log)).containsExactly("v2", "v3");
        assertThat(log.sizeInBytes()).isEqualTo(2 * perBatch);
    }
}
