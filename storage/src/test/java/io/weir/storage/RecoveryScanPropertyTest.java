package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The open-time scan's decisions, on random queues of whole, dead, torn and corrupt
 * excerpts: the log ends exactly at the first bad live excerpt, and everything derived
 * (LEO, sizes, roll files, epochs, index) comes from the good batches before it.
 */
class RecoveryScanPropertyTest {
    enum Kind { GOOD, DEAD, SHORT, BAD_MAGIC, SIZE_MISMATCH, OFFSET_BACKWARDS, BAD_CRC }

    record Excerpt(Kind kind, int records, int epochBump, int size, int cycleGap) {
    }

    @Provide
    Arbitrary<List<Excerpt>> queues() {
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(Tuple.of(20, Arbitraries.just(Kind.GOOD)),
                Tuple.of(4, Arbitraries.just(Kind.DEAD)), Tuple.of(1, Arbitraries.of(Kind.values())));
        return Combinators.combine(kinds, Arbitraries.integers().between(1, 20), Arbitraries.integers().between(0, 1),
                        Arbitraries.integers().between(61, 2_000), Arbitraries.integers().between(0, 1))
                .as(Excerpt::new).list().ofMaxSize(40);
    }

    @Property(tries = 300)
    void theLogEndsAtTheFirstBadLiveExcerptAndIsDerivedFromTheGoodOnesBeforeIt(
            @ForAll("queues") List<Excerpt> queue,
            @ForAll @IntRange(min = 0, max = 300) int logStartOffset,
            @ForAll @IntRange(min = 0, max = 300) int nextOffsetFloor) {
        LiveBatchIndex batches = new LiveBatchIndex();
        LeaderEpochCache epochs = new LeaderEpochCache();
        RecoveryScan scan = new RecoveryScan(logStartOffset, 500, batches, new ProducerStateManager(), epochs);

        long nextOffset = 0;
        long lastAccepted = -1;
        int epoch = 0;
        int cycle = 0;
        long expectedBytes = 0;
        long expectedCorruptFrom = -1;
        Set<Integer> cycles = new HashSet<>();
        List<long[]> accepted = new ArrayList<>(); // {excerpt index, base offset}
        for (int i = 0; i < queue.size(); i++) {
            Excerpt e = queue.get(i);
            long index = 1_000L + i;
            cycle += e.cycleGap();
            epoch += e.epochBump();
            cycles.add(cycle);
            int[] crcChecks = {0};
            BatchHeader h = header(e, nextOffset, lastAccepted, epoch);
            boolean more = scan.offer(index, cycle, e.kind() == Kind.DEAD, e.kind() == Kind.DEAD ? null : h,
                    e.kind() == Kind.SHORT ? 60 : e.size(), () -> {
                        crcChecks[0]++;
                        return e.kind() != Kind.BAD_CRC;
                    });
            boolean bad = e.kind() != Kind.GOOD && e.kind() != Kind.DEAD;
            assertThat(more).as("excerpt %d (%s) ends the log", i, e.kind()).isEqualTo(!bad);
            assertThat(crcChecks[0]).as("the CRC is checked only when all else passed")
                    .isEqualTo(e.kind() == Kind.GOOD || e.kind() == Kind.BAD_CRC ? 1 : 0);
            if (bad) {
                expectedCorruptFrom = index;
                break;
            }
            if (e.kind() == Kind.GOOD) {
                long last = nextOffset + e.records() - 1;
                if (last >= logStartOffset) {
                    expectedBytes += e.size();
                    lastAccepted = last;
                    accepted.add(new long[] {index, nextOffset, epoch});
                }
                nextOffset = last + 1;
            }
        }

        long leo = scan.finish(nextOffsetFloor, List.of());
        assertThat(scan.corruptFrom()).isEqualTo(expectedCorruptFrom);
        assertThat(scan.corruption() != null).isEqualTo(expectedCorruptFrom >= 0);
        assertThat(leo).isEqualTo(Math.max(Math.max(nextOffsetFloor, logStartOffset), lastAccepted + 1));
        assertThat(batches.sizeInBytes()).isEqualTo(expectedBytes);
        assertThat(batches.rollFileCount()).as("every roll file seen, even one of dead excerpts only")
                .isEqualTo(cycles.size());
        assertThat(epochs.latestEpoch()).isEqualTo(accepted.isEmpty() ? -1 : (int) accepted.get(accepted.size() - 1)[2]);
        for (long[] b : accepted) {
            long start = batches.startIndexFor(b[1]);
            assertThat(start).as("a read of offset %d starts at or before its batch", b[1])
                    .isBetween(accepted.get(0)[0], b[0]);
        }
    }

    private static BatchHeader header(Excerpt e, long nextOffset, long lastAccepted, int epoch) {
        long base = e.kind() == Kind.OFFSET_BACKWARDS ? Math.min(lastAccepted, nextOffset - 1) : nextOffset;
        byte magic = e.kind() == Kind.BAD_MAGIC ? RecordBatch.MAGIC_VALUE_V1 : RecordBatch.MAGIC_VALUE_V2;
        int size = e.kind() == Kind.SIZE_MISMATCH ? e.size() + 1 : e.size();
        return e.kind() == Kind.SHORT ? null : new BatchHeader(base, size, epoch, magic, e.records() - 1, 1_000L,
                RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, e.records());
    }
}
