package io.weir.storage;

import static io.weir.storage.CompactionModelPropertyTest.keyed;
import static io.weir.storage.CompactionModelPropertyTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.storage.CompactionModelPropertyTest.Rec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction case by case: what a user of a compacted topic sees. */
class LogCompactionTest {
    private static final TopicPartition TP = new TopicPartition("table", 0);
    private static final long HOUR = 3_600_000L;
    private static final LogConfig COMPACT = LogConfig.defaults().withCleanup(
            LogConfig.Cleanup.DELETE.withPolicy(false, true).withLags(HOUR, 0, Long.MAX_VALUE, 0.5));

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<PartitionLog> opened = new ArrayList<>();
    private final OffsetMap map = new OffsetMap(1 << 16);

    @AfterEach
    void closeAll() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Path where, LogConfig config) {
        PartitionLog log = PartitionLog.open(TP, where, config, clock);
        opened.add(log);
        return log;
    }

    private static List<Rec> recs(String... keyValues) {
        List<Rec> out = new ArrayList<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.add(new Rec(-1, keyValues[i], keyValues[i + 1]));
        }
        return out;
    }

    private void append(PartitionLog log, String... keyValues) {
        log.appendAsLeader(keyed(clock.millis(), false, recs(keyValues)), 0);
    }

    private CompactionResult compact(PartitionLog log) throws InterruptedException {
        return log.compact(Long.MAX_VALUE, map, Throttler.unlimited()).orElseThrow();
    }

    @Test
    void aRecordWithoutAKeyIsRefusedOnACompactedTopicAndNothingIsWritten() {
        PartitionLog log = open(dir, COMPACT);
        append(log, "k", "v");
        MemoryRecords keyless = TestBatches.batch("no key");
        assertThatThrownBy(() -> log.appendAsLeader(keyless, 0))
                .isInstanceOf(InvalidRecordException.class)
                .satisfies(e -> assertThat(Errors.forException(e)).isEqualTo(Errors.INVALID_RECORD))
                .hasMessageContaining("without key");
        assertThat(log.logEndOffset()).isEqualTo(1);
        PartitionLog plain = open(dir.resolve("plain"), LogConfig.defaults());
        plain.appendAsLeader(TestBatches.batch("no key"), 0);
        assertThat(plain.logEndOffset()).isEqualTo(1);
    }

    @Test
    void compactionKeepsTheLatestValuePerKeyAtItsOffsetAndNeverTheActiveFile() throws Exception {
        PartitionLog log = open(dir, COMPACT);
        append(log, "a", "a1", "b", "b1");   // 0, 1
        append(log, "a", "a2");              // 2
        clock.advance(HOUR);
        append(log, "b", "b2", "c", "c1");   // 3, 4   (a second roll file)
        clock.advance(HOUR);
        append(log, "a", "a3");              // 5      (the active file)
        log.updateHighWatermark(log.logEndOffset());
        CompactionResult r = compact(log);
        assertThat(r.cleanedTo()).isEqualTo(5);
        assertThat(readAll(log)).containsExactly(new Rec(2, "a", "a2"), new Rec(3, "b", "b2"), new Rec(4, "c", "c1"),
                new Rec(5, "a", "a3"));
        assertThat(log.logEndOffset()).isEqualTo(6);
        // A second pass has nothing dirty below the active file.
        assertThat(log.compact(Long.MAX_VALUE, map, Throttler.unlimited())).isEmpty();
        // Reads from any offset, including ones in a gap, start at the next retained record.
        assertThat(CompactionModelPropertyTest.readAll(log)).isEqualTo(readAll(reopen(log)));
        assertThat(TestBatches.values(opened.get(opened.size() - 1).read(0, 1 << 20, Long.MAX_VALUE, true).records())
                .get(0).offset()).isEqualTo(2);
    }

    @Test
    void nothingAtOrAboveTheHighWatermarkIsCleaned() throws Exception {
        PartitionLog log = open(dir, COMPACT);
        append(log, "a", "a1");
        clock.advance(HOUR);
        append(log, "a", "a2");
        clock.advance(HOUR);
        append(log, "a", "a3");
        log.updateHighWatermark(1); // the second file is not fully below the HW
        CompactionResult r = compact(log);
        assertThat(r.cleanedTo()).isEqualTo(1);
        assertThat(readAll(log)).extracting(Rec::value).containsExactly("a1", "a2", "a3");
    }

    @Test
    void aTombstoneStaysForDeleteRetentionAfterItsFirstCleaningThenGoes() throws Exception {
        // Any dirt is worth a pass: the second pass is small beside the cleaned head.
        PartitionLog log = open(dir, COMPACT.withCleanup(COMPACT.cleanup().withLags(HOUR, 0, Long.MAX_VALUE, 0)));
        append(log, "a", "a1", "b", "b1");
        append(log, "a", null);
        clock.advance(HOUR);
        append(log, "c", "c1");
        log.updateHighWatermark(log.logEndOffset());
        compact(log);
        assertThat(readAll(log)).containsExactly(new Rec(1, "b", "b1"), new Rec(2, "a", null), new Rec(3, "c", "c1"));
        clock.advance(HOUR + 1); // past the tombstone's delete horizon
        append(log, "c", "c2"); // makes the second file cleanable and dirty
        clock.advance(HOUR);
        append(log, "d", "d1");
        log.updateHighWatermark(log.logEndOffset());
        compact(log);
        assertThat(readAll(log)).containsExactly(new Rec(1, "b", "b1"), new Rec(4, "c", "c2"), new Rec(5, "d", "d1"));
    }

    @Test
    void aFollowerReplicatesACompactedLogAcrossItsGaps() throws Exception {
        PartitionLog leader = open(dir.resolve("leader"), COMPACT);
        for (int i = 0; i < 20; i++) {
            append(leader, "k" + (i % 3), "v" + i);
            if (i % 5 == 4) {
                clock.advance(HOUR);
            }
        }
        leader.updateHighWatermark(leader.logEndOffset());
        compact(leader);
        PartitionLog follower = open(dir.resolve("follower"), COMPACT);
        long offset = 0;
        while (offset < leader.logEndOffset()) {
            MemoryRecords fetched = leader.read(offset, 200, leader.logEndOffset(), true).records();
            follower.appendAsFollower(fetched);
            offset = follower.logEndOffset();
        }
        assertThat(readAll(follower)).isEqualTo(readAll(leader));
        assertThat(follower.logEndOffset()).isEqualTo(leader.logEndOffset());
    }

    @Test
    void aPassWaitsWhileTheDataDirectoryHasNoRoomForACopyOfTheLog() throws Exception {
        long[] usable = {100L << 20};
        DiskSpace space = new DiskSpace(dir, () -> usable[0], 24L << 20, System::nanoTime);
        PartitionLog log = PartitionLog.open(TP, dir.resolve("guarded"), COMPACT, clock, space);
        opened.add(log);
        append(log, "a", "a1");
        clock.advance(HOUR);
        append(log, "a", "a2");
        clock.advance(HOUR);
        append(log, "a", "a3");
        log.updateHighWatermark(3);
        // Two reserves of 24 MiB plus the log leave no room in 40 MiB: appends would still fit, a copy not.
        usable[0] = 40L << 20;
        Thread.sleep(1_100); // the guard samples at most once a second
        assertThat(log.compact(Long.MAX_VALUE, map, Throttler.unlimited())).isEmpty();
        assertThat(readAll(log)).hasSize(3);
        usable[0] = 100L << 20;
        Thread.sleep(1_100);
        assertThat(log.compact(Long.MAX_VALUE, map, Throttler.unlimited())).isPresent();
        assertThat(readAll(log)).extracting(Rec::value).containsExactly("a2", "a3");
    }

    @Test
    void retentionDoesNotDeleteFromACompactOnlyLog() {
        PartitionLog log = open(dir, COMPACT.withRetention(1, -1));
        append(log, "a", "a1");
        clock.advance(3 * HOUR);
        append(log, "a", "a2");
        log.updateHighWatermark(2);
        assertThat(log.applyRetention()).isZero();
        assertThat(log.logStartOffset()).isZero();
    }

    @Test
    void aProducersLastBatchIsKeptEmptySoItsSequenceStateSurvives() throws Exception {
        PartitionLog log = open(dir, COMPACT);
        log.appendAsLeader(idempotentKeyed(7, 0, "a", "a1"), 0);
        append(log, "a", "a2");
        clock.advance(HOUR);
        append(log, "b", "b1");
        log.updateHighWatermark(log.logEndOffset());
        compact(log);
        assertThat(readAll(log)).extracting(Rec::value).containsExactly("a2", "b1");
        PartitionLog reopened = reopen(log);
        // A retry of sequence 0 is still recognised as a duplicate after a restart.
        LogAppendInfo retry = reopened.appendAsLeader(idempotentKeyed(7, 0, "a", "a1"), 0);
        assertThat(retry.duplicate()).isTrue();
        assertThat(reopened.appendAsLeader(idempotentKeyed(7, 1, "a", "a3"), 0).firstOffset()).isEqualTo(3);
    }

    @Test
    void aCompactionLeftHalfDoneByACrashIsDiscardedOnOpen() throws Exception {
        PartitionLog log = open(dir, COMPACT);
        append(log, "a", "a1");
        clock.advance(HOUR);
        append(log, "a", "a2");
        log.close();
        opened.remove(log);
        Files.createDirectories(dir.resolve("queue-1"));
        Files.writeString(dir.resolve("queue-1").resolve("19700101-00.cq4"), "half written");
        PartitionLog again = open(dir, COMPACT);
        assertThat(readAll(again)).extracting(Rec::value).containsExactly("a1", "a2");
        try (Stream<Path> children = Files.list(dir)) {
            assertThat(children.map(p -> p.getFileName().toString())).doesNotContain("queue-1");
        }
    }

    private PartitionLog reopen(PartitionLog log) {
        log.close();
        opened.remove(log);
        return open(dir, log.config());
    }

    private static MemoryRecords idempotentKeyed(long producerId, int sequence, String key, String value) {
        return MemoryRecords.withIdempotentRecords(org.apache.kafka.common.compress.Compression.NONE, producerId,
                (short) 0, sequence, new org.apache.kafka.common.record.internal.SimpleRecord(1_000L,
                        key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
