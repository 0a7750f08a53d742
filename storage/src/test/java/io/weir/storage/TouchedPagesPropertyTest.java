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
 * A cursor's page bookkeeping on random walks over a few chunks of a mapped file: what it releases
 * stays inside the chunk and page aligned, never takes the page the cursor is still writing in while
 * it moves forward, keeps at most {@code step} bytes of touched pages unreleased, and after
 * {@code finish} has released every page that was touched.
 */
class TouchedPagesPropertyTest {
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

    /**
     * One step of the walk: a span in a chunk, forward from the last one or a jump anywhere in it; then
     * maybe the cursor goes idle (a tailer back in its pool).
     */
    record Move(int chunk, boolean jump, long gapOrAt, long length, boolean idle) {
    }

    record Released(Chunk chunk, long from, long to) {
    }

    @Provide
    Arbitrary<List<Move>> walks() {
        Arbitrary<Move> move = Combinators.combine(
                Arbitraries.frequency(Tuple.of(8, 0), Tuple.of(1, 1), Tuple.of(1, 2)),
                Arbitraries.frequency(Tuple.of(9, false), Tuple.of(1, true)),
                Arbitraries.longs().between(0, CHUNK + OVERLAP),
                Arbitraries.longs().between(0, 3 * PAGE),
                Arbitraries.frequency(Tuple.of(9, false), Tuple.of(1, true))).as(Move::new);
        return move.list().ofMinSize(1).ofMaxSize(200);
    }

    @Property(tries = 500)
    void releasesStayInsideTheChunkAndBehindAForwardCursorAndLeaveAtMostOneStep(
            @ForAll("walks") List<Move> walk, @ForAll @IntRange(min = 1, max = 16) int stepPages,
            @ForAll @IntRange(min = 0, max = 16) int faultAroundPages,
            @ForAll @IntRange(min = 0, max = 8) int idleMinPages) {
        long step = stepPages * PAGE;
        Chunk[] chunks = {new Chunk(0), new Chunk(1), new Chunk(2)};
        TouchedPages<Chunk> pages = new TouchedPages<>(PAGE, step, faultAroundPages * PAGE);
        List<Released> released = new ArrayList<>();
        Set<String> unreleased = new HashSet<>(); // "chunk:page" touched and not released since
        Set<String> everTouched = new HashSet<>();
        TouchedPages.Release<Chunk> release = (c, from, to) -> {
            released.add(new Released(c, from, to));
            for (long p = from; p < to; p += PAGE) {
                unreleased.remove(c.id() + ":" + p / PAGE);
            }
        };

        Chunk last = null;
        long lastTo = 0;
        long runBegin = 0; // where the current run began: a span before it starts a new run
        for (Move m : walk) {
            Chunk c = chunks[m.chunk()];
            long from;
            boolean forward;
            if (c != last) {
                from = Math.min(c.start() + m.gapOrAt(), c.end());
                forward = false;
            } else if (m.jump() && runBegin > c.start()) {
                from = c.start() + m.gapOrAt() % (runBegin - c.start());
                forward = false;
            } else {
                from = Math.min(lastTo + m.gapOrAt() % (2 * PAGE), c.end());
                forward = true;
            }
            long to = Math.min(from + m.length(), c.end());
            if (!forward) {
                runBegin = from;
            }

            // A forward span continues the run: touched, then maybe released. Any other span first ends
            // the old run (released whole), then starts a new one.
            if (forward) {
                touch(c, from, to, unreleased, everTouched);
            }
            int before = released.size();
            pages.touched(c, c.start(), c.end(), from, to, release);
            if (!forward) {
                touch(c, from, to, unreleased, everTouched);
            }

            for (Released r : released.subList(before, released.size())) {
                assertThat(r.from()).isLessThan(r.to());
                assertThat(r.from() % PAGE).isZero();
                assertThat(r.to() % PAGE).isZero();
                assertThat(r.from()).isGreaterThanOrEqualTo(r.chunk().start());
                assertThat(r.to()).isLessThanOrEqualTo(r.chunk().end());
                if (forward) {
                    // The page holding the cursor's end is where its next excerpt goes: not taken away.
                    assertThat(r.chunk()).isSameAs(c);
                    assertThat(r.to()).isLessThanOrEqualTo(to / PAGE * PAGE);
                }
            }
            if (forward) {
                assertThat((long) unreleased.size() * PAGE).as("touched and not released").isLessThanOrEqualTo(step);
            }
            assertThat(unreleased).allMatch(k -> k.startsWith(c.id() + ":"));
            if (m.idle()) {
                int beforeIdle = released.size();
                pages.idle(idleMinPages * PAGE, release);
                for (Released r : released.subList(beforeIdle, released.size())) {
                    assertThat(r.chunk()).isSameAs(c);
                    assertThat(r.from()).isGreaterThanOrEqualTo(c.start());
                    assertThat(r.to()).isLessThanOrEqualTo(to / PAGE * PAGE); // the end's page stays
                }
                assertThat((long) unreleased.size() * PAGE).as("touched and not released when idle")
                        .isLessThanOrEqualTo(Math.max(idleMinPages, 1) * PAGE);
            }
            last = c;
            lastTo = to;
        }

        pages.finish(release);
        assertThat(unreleased).isEmpty();
        Set<String> releasedPages = new HashSet<>();
        for (Released r : released) {
            for (long p = r.from(); p < r.to(); p += PAGE) {
                releasedPages.add(r.chunk().id() + ":" + p / PAGE);
            }
        }
        assertThat(releasedPages).containsAll(everTouched);
    }

    private static void touch(Chunk c, long from, long to, Set<String> unreleased, Set<String> everTouched) {
        for (long p = from / PAGE * PAGE; p < to; p += PAGE) {
            unreleased.add(c.id() + ":" + p / PAGE);
            everTouched.add(c.id() + ":" + p / PAGE);
        }
    }

    @Test
    void aForwardWriterReleasesOneStepAtATimeAndKeepsItsCurrentPage() {
        TouchedPages<Chunk> pages = new TouchedPages<>(PAGE, 4 * PAGE, 0);
        Chunk c = new Chunk(0);
        List<Released> released = new ArrayList<>();
        TouchedPages.Release<Chunk> release = (chunk, from, to) -> released.add(new Released(chunk, from, to));
        long at = 0;
        for (int i = 0; i < 10; i++) { // 1,000-byte excerpts
            pages.touched(c, c.start(), c.end(), at, at + 1000, release);
            at += 1000;
        }
        // At 10,000 bytes no four whole pages lie behind the cursor yet.
        assertThat(released).isEmpty();
        for (int i = 0; i < 10; i++) {
            pages.touched(c, c.start(), c.end(), at, at + 1000, release);
            at += 1000;
        }
        // Passing 16,384 released pages 0-3; the page holding 20,000 is kept.
        assertThat(released).containsExactly(new Released(c, 0, 4 * PAGE));
        pages.finish(release);
        assertThat(released).containsExactly(new Released(c, 0, 4 * PAGE), new Released(c, 4 * PAGE, 5 * PAGE));
    }

    @Test
    void releasesReachBackOverWhatAFaultNextToTheCutMapsAgain() {
        TouchedPages<Chunk> pages = new TouchedPages<>(PAGE, 4 * PAGE, 2 * PAGE);
        Chunk c = new Chunk(1); // file offsets [64 pages, 144 pages)
        List<Released> released = new ArrayList<>();
        TouchedPages.Release<Chunk> release = (chunk, from, to) -> released.add(new Released(chunk, from, to));
        long at = c.start();
        for (int i = 0; i < 9; i++) { // 9 excerpts of one page each
            pages.touched(c, c.start(), c.end(), at, at + PAGE, release);
            at += PAGE;
        }
        // The first release cannot reach below the chunk; the second reaches two pages below its cut.
        assertThat(released).containsExactly(new Released(c, c.start(), c.start() + 4 * PAGE),
                new Released(c, c.start() + 2 * PAGE, c.start() + 8 * PAGE));
        pages.finish(release);
        assertThat(released.get(2)).isEqualTo(new Released(c, c.start() + 6 * PAGE, c.start() + 11 * PAGE));
    }

    @Test
    void aSpanOutsideItsChunkOrABadPageSizeIsRefused() {
        TouchedPages<Chunk> pages = new TouchedPages<>(PAGE, PAGE, 0);
        Chunk c = new Chunk(1);
        assertThatThrownBy(() -> pages.touched(c, c.start(), c.end(), c.start() - 1, c.start() + 10, (x, f, t) -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pages.touched(c, c.start(), c.end(), c.end() - 10, c.end() + 1, (x, f, t) -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pages.touched(c, c.start() + 1, c.end(), c.start() + 10, c.start() + 20, (x, f, t) -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TouchedPages<Chunk>(3000, 6000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TouchedPages<Chunk>(PAGE, PAGE / 2, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TouchedPages<Chunk>(PAGE, PAGE, 100)).isInstanceOf(IllegalArgumentException.class);
    }
}
