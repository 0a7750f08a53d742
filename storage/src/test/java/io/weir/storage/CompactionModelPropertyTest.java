package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Random histories of keyed appends (with tombstones), clock moves, high-watermark moves,
 * compactions, truncations (at or above the HW, as a follower's) and restarts of a compacted log, against a model of every record
 * appended. After every step a full read must (1) return only records that were appended, at the
 * offsets they were given, in increasing order; (2) fold to exactly the model's latest value per key
 * (a tombstone deletes its key); (3) hold at most one record per key below the cleaner checkpoint;
 * and the log start, LEO and HW are never moved by a compaction.
 */
class CompactionModelPropertyTest {
    private static final TopicPartition TP = new TopicPartition("compacted", 0);
    private static final long MINUTE = 60_000L;
    static final long DELETE_RETENTION_MS = 30 * MINUTE;

    sealed interface Op {
    }

    /** Records as (key index, value or null for a tombstone). */
    record Append(List<Integer> keys, List<Boolean> tombstones, boolean compressed) implements Op {
    }

    record AdvanceClock(int minutes) implements Op {
    }

    record HighWatermark(int seed) implements Op {
    }

    record Compact() implements Op {
    }

    record Restart() implements Op {
    }

    record Truncate(int seed) implements Op {
    }

    /** One record as the model knows it. */
    record Rec(long offset, String key, String value) {
    }

    @Provide
    Arbitrary<List<Op>> histories() {
        Arbitrary<Op> append = Arbitraries.integers().between(1, 4).flatMap(n -> Combinators.combine(
                Arbitraries.integers().between(0, 7).list().ofSize(n),
                Arbitraries.frequency(Tuple.of(5, false), Tuple.of(1, true)).list().ofSize(n),
                Arbitraries.of(false, false, true)).as((k, t, c) -> (Op) new Append(k, t, c)));
        Arbitrary<Op> clock = Arbitraries.integers().between(1, 150).map(AdvanceClock::new);
        Arbitrary<Op> hw = Arbitraries.integers().between(0, 1000).map(HighWatermark::new);
        Arbitrary<Op> compact = Arbitraries.just(new Compact());
        Arbitrary<Op> restart = Arbitraries.just(new Restart());
        Arbitrary<Op> truncate = Arbitraries.integers().between(0, 1000).map(Truncate::new);
        return Arbitraries.frequencyOf(Tuple.of(12, append), Tuple.of(4, clock), Tuple.of(4, hw),
                Tuple.of(5, compact), Tuple.of(2, restart), Tuple.of(1, truncate)).list().ofMinSize(10).ofMaxSize(60);
    }

    @Property(tries = 50)
    void aCompactedLogReadsAsTheLatestValuePerKey(@ForAll("histories") List<Op> history,
                                                  @ForAll("ratios") double ratio) throws Exception {
        try (ScratchDir scratch = ScratchDir.create("weir-compaction-model")) {
            Path dir = scratch.path();
            MutableClock clock = new MutableClock(1_700_000_000_000L);
            LogConfig config = LogConfig.defaults().withCleanup(LogConfig.Cleanup.DELETE.withPolicy(false, true)
                    .withLags(DELETE_RETENTION_MS, 0, Long.MAX_VALUE, ratio));
            // Four keys fit: the map often fills before the dirty part ends, and a pass cleans a prefix.
            OffsetMap map = new OffsetMap(5 * OffsetMap.SLOT_BYTES);
            PartitionLog log = PartitionLog.open(TP, dir, config, clock);
            TreeMap<Long, Rec> appended = new TreeMap<>();
            long hw = 0;
            int counter = 0;
            int compactions = 0;
            try {
                for (Op op : history) {
                    long startBefore = log.logStartOffset();
                    long leoBefore = log.logEndOffset();
                    if (op instanceof Append a) {
                        List<Rec> recs = new ArrayList<>();
                        for (int i = 0; i < a.keys().size(); i++) {
                            recs.add(new Rec(-1, "k" + a.keys().get(i), a.tombstones().get(i) ? null : "v" + counter++));
                        }
                        LogAppendInfo info = log.appendAsLeader(keyed(clock.millis(), a.compressed(), recs), 0);
                        for (int i = 0; i < recs.size(); i++) {
                            appended.put(info.firstOffset() + i, new Rec(info.firstOffset() + i, recs.get(i).key(),
                                    recs.get(i).value()));
                        }
                    } else if (op instanceof AdvanceClock c) {
                        clock.advance(c.minutes() * MINUTE);
                    } else if (op instanceof HighWatermark h) {
                        long span = log.logEndOffset() - hw + 1;
                        // The HW only moves forward; half the time to the LEO, so compaction has something to do.
                        hw = h.seed() % 2 == 0 ? log.logEndOffset() : hw + h.seed() % span;
                        log.updateHighWatermark(hw);
                    } else if (op instanceof Compact) {
                        long cleanedBefore = log.cleanedTo();
                        Optional<CompactionResult> r = log.compact(Long.MAX_VALUE, map, Throttler.unlimited());
                        if (r.isPresent()) {
                            compactions++;
                            assertThat(r.get().cleanedTo()).as("nothing at or above the HW is cleaned")
                                    .isLessThanOrEqualTo(hw).isGreaterThan(cleanedBefore);
                            assertThat(log.cleanedTo()).isEqualTo(r.get().cleanedTo());
                        }
                        assertThat(log.logStartOffset()).isEqualTo(startBefore);
                        assertThat(log.logEndOffset()).as("compaction keeps the LEO").isEqualTo(leoBefore);
                        assertThat(log.highWatermark()).isEqualTo(hw);
                    } else if (op instanceof Restart) {
                        log.close();
                        log = PartitionLog.open(TP, dir, config, clock);
                        assertThat(log.logEndOffset()).isEqualTo(leoBefore);
                    } else if (op instanceof Truncate t) {
                        // A follower truncates only what is not committed: at or above the HW, never
                        // below it (which compaction relies on, as Kafka's does).
                        long span = log.logEndOffset() - hw + 1;
                        log.truncateTo(hw + t.seed() % span);
                        long leo = log.logEndOffset();
                        appended.tailMap(leo, true).clear();
                        hw = Math.min(hw, leo);
                    }
                    assertThat(log.highWatermark()).as("HW after %s", op).isEqualTo(hw);
                    checkAgainstModel(log, appended, op);
                }
            } finally {
                log.close();
            }
        }
    }

    @Provide
    Arbitrary<Double> ratios() {
        return Arbitraries.of(0.0, 0.3, 0.5);
    }

    private static void checkAgainstModel(PartitionLog log, TreeMap<Long, Rec> appended, Op after) {
        List<Rec> read = readAll(log);
        long previous = -1;
        Map<String, Long> cleanedKeys = new HashMap<>();
        for (Rec r : read) {
            assertThat(r.offset()).as("offsets increase, after %s", after).isGreaterThan(previous);
            previous = r.offset();
            assertThat(appended.get(r.offset())).as("offset %d maps to what was appended there, after %s",
                    r.offset(), after).isEqualTo(r);
            if (r.offset() < log.cleanedTo()) {
                Long other = cleanedKeys.put(r.key(), r.offset());
                assertThat(other).as("one record of %s below the checkpoint %d, after %s", r.key(), log.cleanedTo(),
                        after).isNull();
            }
        }
        assertThat(fold(read)).as("latest value per key after %s", after)
                .isEqualTo(fold(new ArrayList<>(appended.values())));
    }

    /** What a consumer of the whole log ends up with: the latest value per key, tombstones deleting. */
    private static Map<String, String> fold(List<Rec> records) {
        Map<String, String> latest = new LinkedHashMap<>();
        for (Rec r : records) {
            if (r.value() == null) {
                latest.remove(r.key());
            } else {
                latest.put(r.key(), r.value());
            }
        }
        return new TreeMap<>(latest);
    }

    static List<Rec> readAll(PartitionLog log) {
        List<Rec> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            MemoryRecords records = log.read(offset, 1 << 20, Long.MAX_VALUE, true).records();
            long next = offset;
            for (RecordBatch b : records.batches()) {
                b.ensureValid();
                for (Record r : b) {
                    if (r.offset() >= offset) {
                        out.add(new Rec(r.offset(), string(r.key()), r.hasValue() ? string(r.value()) : null));
                    }
                }
                next = b.lastOffset() + 1;
            }
            if (next == offset) {
                break;
            }
            offset = next;
        }
        return out;
    }

    static MemoryRecords keyed(long timestamp, boolean compressed, List<Rec> recs) {
        SimpleRecord[] records = new SimpleRecord[recs.size()];
        for (int i = 0; i < recs.size(); i++) {
            Rec r = recs.get(i);
            records[i] = new SimpleRecord(timestamp, r.key().getBytes(StandardCharsets.UTF_8),
                    r.value() == null ? null : r.value().getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(compressed ? Compression.gzip().build() : Compression.NONE, records);
    }

    private static String string(java.nio.ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
