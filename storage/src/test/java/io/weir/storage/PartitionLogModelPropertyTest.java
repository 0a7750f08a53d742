package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.TopicPartition;

/**
 * Random sequences of append / read / truncate / restart / retention against a plain
 * in-memory model of a Kafka log; the two must never disagree.
 */
class PartitionLogModelPropertyTest {
    private static final long HOUR = 3_600_000L;
    private static final TopicPartition TP = new TopicPartition("model", 0);

    sealed interface Op {
    }

    record Append(int records, boolean bumpEpoch) implements Op {
    }

    record Read(int offsetSeed, int maxBytes) implements Op {
    }

    record Truncate(int offsetSeed) implements Op {
    }

    record TruncateFully(int offsetDelta) implements Op {
    }

    record Restart() implements Op {
    }

    record AdvanceClock(int minutes) implements Op {
    }

    record Retention(int hours) implements Op {
    }

    record HighWatermark(int offsetSeed) implements Op {
    }

    /** A batch as the model sees it. */
    record ModelBatch(long baseOffset, List<String> values, long timestamp) {
        long lastOffset() {
            return baseOffset + values.size() - 1;
        }
    }

    @Provide
    Arbitrary<List<Op>> histories() {
        Arbitrary<Op> append = Arbitraries.integers().between(1, 5)
                .flatMap(n -> Arbitraries.of(true, false).map(b -> (Op) new Append(n, b)));
        Arbitrary<Op> read = Arbitraries.integers().between(0, 1000)
                .flatMap(o -> Arbitraries.of(1, 200, 100_000).map(m -> (Op) new Read(o, m)));
        Arbitrary<Op> truncate = Arbitraries.integers().between(0, 1000).map(Truncate::new);
        Arbitrary<Op> truncateFully = Arbitraries.integers().between(0, 5).map(TruncateFully::new);
        Arbitrary<Op> restart = Arbitraries.just(new Restart());
        Arbitrary<Op> clock = Arbitraries.integers().between(1, 120).map(AdvanceClock::new);
        Arbitrary<Op> retention = Arbitraries.integers().between(0, 3).map(Retention::new);
        Arbitrary<Op> hw = Arbitraries.integers().between(0, 1000).map(HighWatermark::new);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(10, append), Tuple.of(5, read), Tuple.of(2, truncate), Tuple.of(1, truncateFully),
                Tuple.of(2, restart), Tuple.of(3, clock), Tuple.of(2, retention), Tuple.of(3, hw));
        return op.list().ofMinSize(5).ofMaxSize(40);
    }

    @Property(tries = 60)
    void theLogBehavesLikeTheModel(@ForAll("histories") List<Op> history) throws IOException, InterruptedException {
        try (ScratchDir scratch = ScratchDir.create("weir-model")) {
            Path dir = scratch.path();
            MutableClock clock = new MutableClock(1_700_000_000_000L);
            LogConfig config = LogConfig.defaults();
            PartitionLog log = PartitionLog.open(TP, dir, config, clock);
            List<ModelBatch> batches = new ArrayList<>();
            long[] startEnd = {0, 0};
            long hw = 0;
            int epoch = 0;
            int counter = 0;
            try {
                for (Op op : history) {
                    if (op instanceof Append a) {
                            epoch += a.bumpEpoch() ? 1 : 0;
                            List<String> values = new ArrayList<>();
                            for (int i = 0; i < a.records(); i++) {
                                values.add("r" + counter++);
                            }
                            LogAppendInfo info = log.appendAsLeader(
                                    TestBatches.batch(clock.millis(), values.toArray(String[]::new)), epoch);
                            assertThat(info.firstOffset()).isEqualTo(startEnd[1]);
                            batches.add(new ModelBatch(startEnd[1], values, clock.millis()));
                            startEnd[1] += a.records();
                    } else if (op instanceof Read r) {
                            long span = startEnd[1] - startEnd[0] + 1;
                            long offset = startEnd[0] + r.offsetSeed() % span;
                            var got = TestBatches.values(log.read(offset, r.maxBytes(), Long.MAX_VALUE, true).records());
                            List<TestBatches.OffsetValue> expected = new ArrayList<>();
                            for (ModelBatch b : batches) {
                                if (b.lastOffset() >= offset) {
                                    for (int i = 0; i < b.values().size(); i++) {
                                        expected.add(new TestBatches.OffsetValue(b.baseOffset() + i, b.values().get(i)));
                                    }
                                }
                            }
                            assertThat(expected).startsWith(got.toArray(TestBatches.OffsetValue[]::new));
                            if (offset < startEnd[1]) {
                                assertThat(got).as("at least one batch").isNotEmpty();
                            }
                    } else if (op instanceof Truncate t) {
                            long span = startEnd[1] - startEnd[0] + 1;
                            long target = startEnd[0] + t.offsetSeed() % span;
                            log.truncateTo(target);
                            if (target < startEnd[1]) {
                                if (target <= startEnd[0]) {
                                    batches.clear();
                                    startEnd[0] = target;
                                    startEnd[1] = target;
                                } else {
                                    batches.removeIf(b -> b.lastOffset() >= target);
                                    startEnd[1] = batches.isEmpty() ? startEnd[0] : batches.get(batches.size() - 1).lastOffset() + 1;
                                }
                                hw = Math.min(hw, startEnd[1]);
                            }
                    } else if (op instanceof TruncateFully f) {
                            long target = startEnd[1] + f.offsetDelta();
                            log.truncateFullyAndStartAt(target);
                            batches.clear();
                            startEnd[0] = target;
                            startEnd[1] = target;
                            hw = target;
                    } else if (op instanceof Restart) {
                            log.close();
                            log = PartitionLog.open(TP, dir, config, clock);
                    } else if (op instanceof AdvanceClock c) {
                            clock.advance(c.minutes() * 60_000L);
                    } else if (op instanceof HighWatermark h) {
                            long span = startEnd[1] - startEnd[0] + 1;
                            hw = startEnd[0] + h.offsetSeed() % span;
                            log.updateHighWatermark(hw);
                    } else if (op instanceof Retention r) {
                            long retentionMs = r.hours() * HOUR;
                            log.updateConfig(config.withRetention(retentionMs, -1));
                            log.applyRetention();
                            long newStart = log.logStartOffset();
                            assertThat(newStart).isGreaterThanOrEqualTo(startEnd[0]);
                            if (newStart > startEnd[0]) {
                                assertThat(newStart).as("retention stops at the high watermark").isLessThanOrEqualTo(hw);
                                assertThat(batches).anySatisfy(b -> assertThat(b.baseOffset()).isEqualTo(newStart));
                                for (ModelBatch b : batches) {
                                    if (b.lastOffset() < newStart) {
                                        assertThat(b.timestamp()).as("only expired batches are deleted")
                                                .isLessThan(clock.millis() - retentionMs);
                                    }
                                }
                                batches.removeIf(b -> b.lastOffset() < newStart);
                                startEnd[0] = newStart;
                            }
                    }
                    assertThat(log.logStartOffset()).as("log start after %s", op).isEqualTo(startEnd[0]);
                    assertThat(log.logEndOffset()).as("LEO after %s", op).isEqualTo(startEnd[1]);
                    assertThat(log.highWatermark()).as("HW after %s", op).isEqualTo(hw);
                }
                List<String> all = TestBatches.valuesOnly(
                        log.read(startEnd[0], Integer.MAX_VALUE, Long.MAX_VALUE, true).records());
                assertThat(all).containsExactlyElementsOf(batches.stream().flatMap(b -> b.values().stream()).toList());
            } finally {
                log.close();
            }
        }
    }
}
