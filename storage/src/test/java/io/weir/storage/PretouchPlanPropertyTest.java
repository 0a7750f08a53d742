package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.Test;

/**
 * The appender's plan of pages to populate ahead of it, on random appends over a few chunks of a
 * mapped file: every range lies inside the chunk it was asked for and is page aligned, never holds the
 * page being written or one behind it, reaches no further ahead than the lead or than the appender has
 * written into the chunk; no page of a chunk is asked for twice in one run; and the pages the plan
 * wants ahead of the appender (half its lead) have always been asked for, up to the chunk's end.
 */
class PretouchPlanPropertyTest {
    private static final long PAGE = 4096;
    private static final long CHUNK = 64 * PAGE;
    private static final long OVERLAP = 16 * PAGE;

    /** A chunk of the file: maps [start, start + CHUNK + OVERLAP). */
    record Chunk(int id) {
        long start() {
            return id * CHUNK;
        }

        long end() {
            return start() + CHUNK + OVERLAP;
        }
    }

    /** One append: its length, and whether the appender moves on to the next chunk first (as Chronicle's does). */
    record Append(long length, boolean nextChunk) {
    }

    record Asked(Chunk chunk, long from, long to) {
    }

    @Provide
    Arbitrary<List<Append>> appends() {
        Arbitrary<Append> append = Combinators.combine(
                Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.longs().between(1, 4 * PAGE)),
                        Tuple.of(1, Arbitraries.longs().between(0, 40))),
                Arbitraries.frequency(Tuple.of(20, false), Tuple.of(1, true))).as(Append::new);
        return append.list().ofMinSize(1).ofMaxSize(300);
    }

    @Property(tries = 500)
    void asksOnlyAheadInsideTheChunkAndKeepsHalfTheLeadAsked(@ForAll("appends") List<Append> appends,
                                                            @ForAll @IntRange(min = 2, max = 40) int leadPages,
                                                            @ForAll @IntRange(min = 0, max = 3 * 4096) int firstEnd) {
        long lead = leadPages * PAGE;
        PretouchPlan<Chunk> plan = new PretouchPlan<>(PAGE, lead);
        List<Asked> asked = new ArrayList<>();
        Chunk chunk = new Chunk(0);
        plan.written(chunk, 0, chunk.end(), firstEnd, (c, from, to) -> asked.add(new Asked(c, from, to)));
        assertThat(asked).as("nothing written into the chunk before this excerpt's end").isEmpty();

        long origin = firstEnd;
        long end = firstEnd;
        Set<Long> askedPages = new HashSet<>();
        for (Append a : appends) {
            if (a.nextChunk() && chunk.id() < 3) {
                chunk = new Chunk(chunk.id() + 1);
                end = Math.max(end, chunk.start());
                origin = Math.min(end + a.length(), chunk.end());
                askedPages.clear();
            }
            end = Math.min(end + a.length(), chunk.end());
            long at = end;
            Chunk current = chunk;
            List<Asked> now = new ArrayList<>();
            plan.written(chunk, chunk.start(), chunk.end(), end, (c, from, to) -> now.add(new Asked(c, from, to)));

            long next = (at + PAGE - 1) / PAGE * PAGE;
            long written = (at - origin) / PAGE * PAGE;
            long wanted = Math.min(lead, written);
            assertThat(now).hasSizeLessThanOrEqualTo(1);
            for (Asked r : now) {
                assertThat(r.chunk()).isSameAs(current);
                assertThat(r.from()).as("page aligned").isEqualTo(r.from() / PAGE * PAGE);
                assertThat(r.to()).as("page aligned").isEqualTo(r.to() / PAGE * PAGE);
                assertThat(r.from()).as("after the page being written").isGreaterThanOrEqualTo(next);
                assertThat(r.to()).as("inside the chunk").isLessThanOrEqualTo(current.end()).isGreaterThan(r.from());
                assertThat(r.to() - next).as("no further ahead than the lead, or than was written")
                        .isLessThanOrEqualTo(wanted);
                for (long p = r.from(); p < r.to(); p += PAGE) {
                    assertThat(askedPages.add(p)).as("page %d asked for once", p / PAGE).isTrue();
                }
            }
            long mustHave = Math.min(current.end(), (at + wanted / 2) / PAGE * PAGE);
            if (wanted >= PAGE) {
                for (long p = next; p < mustHave; p += PAGE) {
                    assertThat(askedPages).as("page %d, half the wanted lead ahead of %d", p / PAGE, at).contains(p);
                }
            }
        }
    }

    @Test
    void aLogAppendedToNowAndThenGetsOnlyAFewPagesAhead() {
        PretouchPlan<Chunk> plan = new PretouchPlan<>(PAGE, 256 * PAGE);
        Chunk chunk = new Chunk(0);
        List<Asked> asked = new ArrayList<>();
        plan.written(chunk, chunk.start(), chunk.end(), 100, (c, from, to) -> asked.add(new Asked(c, from, to)));
        plan.written(chunk, chunk.start(), chunk.end(), 100 + 2 * PAGE, (c, from, to) -> asked.add(new Asked(c, from, to)));
        assertThat(asked).containsExactly(new Asked(chunk, 3 * PAGE, 5 * PAGE));
    }

    @Test
    void afterFinishANewRunStartsAfresh() {
        PretouchPlan<Chunk> plan = new PretouchPlan<>(PAGE, 4 * PAGE);
        Chunk chunk = new Chunk(0);
        List<Asked> asked = new ArrayList<>();
        plan.written(chunk, chunk.start(), chunk.end(), 0, (c, from, to) -> asked.add(new Asked(c, from, to)));
        plan.written(chunk, chunk.start(), chunk.end(), 8 * PAGE, (c, from, to) -> asked.add(new Asked(c, from, to)));
        plan.finish();
        plan.written(chunk, chunk.start(), chunk.end(), 9 * PAGE, (c, from, to) -> asked.add(new Asked(c, from, to)));
        assertThat(asked).containsExactly(new Asked(chunk, 8 * PAGE, 12 * PAGE));
    }

    @Test
    void refusesAnEndOutsideTheChunkAndABadGeometry() {
        PretouchPlan<Chunk> plan = new PretouchPlan<>(PAGE, 4 * PAGE);
        Chunk chunk = new Chunk(1);
        assertThatThrownBy(() -> plan.written(chunk, chunk.start(), chunk.end(), chunk.end() + 1, (c, f, t) -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PretouchPlan<Chunk>(PAGE, PAGE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PretouchPlan<Chunk>(3000, 4 * PAGE)).isInstanceOf(IllegalArgumentException.class);
    }
}
