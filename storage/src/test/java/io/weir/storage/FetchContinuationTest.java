package io.weir.storage;

import static io.weir.storage.CompactionModelPropertyTest.keyed;
import static org.assertj.core.api.Assertions.assertThat;

import io.weir.storage.CompactionModelPropertyTest.Rec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.queue.RollCycles;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumers that fetch from where their last fetch ended, a few batches at a time: the read that
 * continues on the excerpt the previous one stopped at (the tailer left there, no index lookup)
 * must return exactly the batches a fresh read would, across roll files, after a truncation, a
 * retention pass and a compaction, and with several consumers at different positions at once.
 * Each batch is over the 4 KiB index interval, so every fetch starts at its own index entry.
 */
class FetchContinuationTest {
    private static final TopicPartition TP = new TopicPartition("feed", 0);
    private static final long HOUR = 3_600_000L;
    private static final String PAD = "x".repeat(5_000);

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

    private static MemoryRecords big(long timestamp, String key, String name) {
        return keyed(timestamp, false, List.of(new Rec(-1, key, name + PAD)));
    }

    private static String name(Record r) {
        byte[] b = new byte[r.valueSize()];
        r.value().duplicate().get(b);
        String v = new String(b, StandardCharsets.UTF_8);
        return v.substring(0, v.length() - PAD.length());
    }

    /** A consumer: its next fetch offset, and what it has read. */
    private static final class Consumer {
        long position;
        final List<String> seen = new ArrayList<>();

        Consumer(long position) {
            this.position = position;
        }

        /** One fetch of at most two batches; false once it is at the log end. */
        boolean fetch(PartitionLog log) {
            if (position >= log.logEndOffset()) {
                return false;
            }
            MemoryRecords records = log.read(position, 2 * (PAD.length() + 200), Long.MAX_VALUE, true).records();
            for (RecordBatch b : records.batches()) {
                b.ensureValid();
                for (Record r : b) {
                    if (r.offset() >= position) {
                        seen.add(name(r));
                    }
                }
                position = b.lastOffset() + 1;
            }
            return records.sizeInBytes() > 0;
        }

        void fetchToEnd(PartitionLog log) {
            while (fetch(log)) {
                // next fetch from where this one ended
            }
        }
    }

    private static List<String> names(String prefix, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    @Test
    void fetchesThatContinueWhereTheLastEndedReadEveryBatchOnceAcrossRollFiles() {
        PartitionLog log = open(LogConfig.defaults().withRollCycle(RollCycles.FAST_HOURLY));
        for (int i = 0; i < 30; i++) {
            log.appendAsLeader(big(clock.millis(), "k" + i, "r" + i), 0);
            if (i % 10 == 9) {
                clock.advance(HOUR); // three roll files
            }
        }
        assertThat(log.rollFileCount()).isEqualTo(3);
        Consumer first = new Consumer(0);
        Consumer second = new Consumer(0);
        Consumer late = new Consumer(17);
        // Interleaved, so the tailer pool holds tailers left at different excerpts.
        boolean more = true;
        while (more) {
            more = first.fetch(log) | second.fetch(log) | second.fetch(log) | late.fetch(log);
        }
        assertThat(first.seen).isEqualTo(names("r", 0, 30));
        assertThat(second.seen).isEqualTo(names("r", 0, 30));
        assertThat(late.seen).isEqualTo(names("r", 17, 30));
    }

    @Test
    void aFetchContinuingOnATruncatedBatchReadsWhatReplacedIt() {
        PartitionLog log = open(LogConfig.defaults());
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(big(clock.millis(), "k", "old" + i), 1);
        }
        Consumer c = new Consumer(0);
        c.fetch(log);
        c.fetch(log); // stopped on the excerpt of offset 4
        assertThat(c.position).isEqualTo(4);

        log.truncateTo(4);
        for (int i = 4; i < 8; i++) {
            log.appendAsFollower(replicated(i, "new" + i));
        }
        c.fetchToEnd(log);

        List<String> expected = new ArrayList<>(names("old", 0, 4));
        expected.addAll(names("new", 4, 8));
        assertThat(c.seen).isEqualTo(expected);
    }

    private static MemoryRecords replicated(long offset, String name) {
        MemoryRecords records = big(1_000L, "k", name);
        records.batches().iterator().next().setLastOffset(offset);
        records.batches().iterator().next().setPartitionLeaderEpoch(2);
        return records;
    }

    @Test
    void aFetchContinuesAfterRetentionDeletedTheFilesBehindIt() {
        PartitionLog log = open(LogConfig.defaults().withRollCycle(RollCycles.FAST_HOURLY)
                .withRetention(90 * 60_000L, -1));
        for (int i = 0; i < 12; i++) {
            log.appendAsLeader(big(clock.millis(), "k" + i, "r" + i), 0);
            if (i == 3 || i == 7) {
                clock.advance(HOUR); // three roll files, 4 batches each
            }
        }
        log.updateHighWatermark(log.logEndOffset());
        Consumer c = new Consumer(0);
        for (int i = 0; i < 3; i++) {
            c.fetch(log); // stops in the second file
        }
        clock.advance(1); // only the first file is older than 90 minutes
        assertThat(log.applyRetention()).isEqualTo(1);
        assertThat(log.logStartOffset()).isEqualTo(4);
        c.fetchToEnd(log);
        assertThat(c.seen).isEqualTo(names("r", 0, 12));
    }

    @Test
    void aFetchContinuesAfterACompactionRewroteTheLog() throws InterruptedException {
        LogConfig compact = LogConfig.defaults().withRollCycle(RollCycles.FAST_HOURLY).withCleanup(
                LogConfig.Cleanup.DELETE.withPolicy(false, true).withLags(0, 0, Long.MAX_VALUE, 0));
        PartitionLog log = open(compact);
        for (int i = 0; i < 12; i++) {
            log.appendAsLeader(big(clock.millis(), "k" + (i % 3), "r" + i), 0); // keys k0, k1, k2 repeat
            if (i % 4 == 3) {
                clock.advance(HOUR);
            }
        }
        log.updateHighWatermark(log.logEndOffset());
        Consumer c = new Consumer(0);
        c.fetch(log);
        c.fetch(log); // stopped on offset 4
        assertThat(log.compact(Long.MAX_VALUE, new OffsetMap(1 << 12), Throttler.unlimited())).isPresent();
        c.fetchToEnd(log);

        // Below the active file only each key's latest record survives: r5 (k2), r6 (k0), r7 (k1);
        // the consumer had read r0..r3 before the pass.
        List<String> expected = new ArrayList<>(names("r", 0, 4));
        expected.addAll(names("r", 5, 12));
        assertThat(c.seen).isEqualTo(expected);
        Consumer fresh = new Consumer(4);
        fresh.fetchToEnd(log);
        assertThat(fresh.seen).isEqualTo(c.seen.subList(4, c.seen.size()));
    }
}
