package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Which open queues the policy closes, on random sets of open queues and on simulated workloads. */
class OpenQueuePolicyPropertyTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long IDLE_MS = 10_000;

    @Provide
    Arbitrary<List<OpenQueuePolicy.OpenQueue<Integer>>> openQueues() {
        return Arbitraries.longs().between(0, 3 * IDLE_MS).list().ofMaxSize(60).map(ages -> {
            List<OpenQueuePolicy.OpenQueue<Integer>> open = new ArrayList<>();
            for (int i = 0; i < ages.size(); i++) {
                open.add(new OpenQueuePolicy.OpenQueue<>(i, NOW - ages.get(i)));
            }
            return open;
        });
    }

    @Property(tries = 1_000)
    void closesExactlyTheExcessAndOnlyOpenQueues(@ForAll("openQueues") List<OpenQueuePolicy.OpenQueue<Integer>> open,
                                                 @ForAll @IntRange(min = 0, max = 70) int keep,
                                                 @ForAll long seed) {
        List<Integer> victims = OpenQueuePolicy.victims(open, keep, NOW, IDLE_MS, seed);
        assertThat(victims).hasSize(Math.max(0, open.size() - keep)).doesNotHaveDuplicates();
        assertThat(open.stream().map(OpenQueuePolicy.OpenQueue::log).toList()).containsAll(victims);
        assertThat(OpenQueuePolicy.victims(open, keep, NOW, IDLE_MS, seed)).as("replayable").isEqualTo(victims);
    }

    @Property(tries = 1_000)
    void neverClosesAQueueInUseWhileAnIdleOneStaysOpen(
            @ForAll("openQueues") List<OpenQueuePolicy.OpenQueue<Integer>> open,
            @ForAll @IntRange(min = 0, max = 70) int keep, @ForAll long seed) {
        Set<Integer> closed = new HashSet<>(OpenQueuePolicy.victims(open, keep, NOW, IDLE_MS, seed));
        for (OpenQueuePolicy.OpenQueue<Integer> c : open) {
            if (!closed.contains(c.log())) {
                continue;
            }
            for (OpenQueuePolicy.OpenQueue<Integer> s : open) {
                if (closed.contains(s.log())) {
                    continue;
                }
                boolean closedIdle = NOW - c.lastUsedMs() >= IDLE_MS;
                boolean keptIdle = NOW - s.lastUsedMs() >= IDLE_MS;
                assertThat(!closedIdle && keptIdle).as("%s closed while idle %s stays", c, s).isFalse();
            }
        }
    }

    @Example
    void closingStartsAboveTheHighMarkAndLeavesRoomForManyOpens() {
        assertThat(OpenQueuePolicy.closeAbove(9_000)).isEqualTo(8_820);
        assertThat(OpenQueuePolicy.closeDownTo(9_000)).isEqualTo(8_640);
        assertThat(OpenQueuePolicy.closeAbove(3)).isEqualTo(3);
        assertThat(OpenQueuePolicy.closeDownTo(3)).isEqualTo(3);
        assertThat(OpenQueuePolicy.closeDownTo(1)).isEqualTo(1);
    }

    /**
     * Every partition used in turn, with 10 % more partitions than queues allowed: least recently
     * used closing would miss on every use; this policy keeps most queues open (about 77 %).
     */
    @Property(tries = 20)
    void roundRobinOverMorePartitionsThanQueuesStillHitsMostOfTheTime(@ForAll @IntRange(min = 200, max = 1_000) int max,
                                                                      @ForAll long seed) {
        int partitions = max + max / 10;
        Manager m = new Manager(max, seed);
        long now = NOW;
        for (int round = 0; round < 3; round++) { // warm up: every queue opened
            for (int p = 0; p < partitions; p++) {
                m.use(p, now++);
            }
        }
        m.hits = 0;
        m.misses = 0;
        for (int round = 0; round < 20; round++) {
            for (int p = 0; p < partitions; p++) {
                m.use(p, now++);
            }
        }
        double hitRatio = (double) m.hits / (m.hits + m.misses);
        assertThat(hitRatio).isGreaterThan(0.7);
        assertThat(m.maxOpen).isLessThanOrEqualTo(max);
    }

    /**
     * Partitions used over and over (each within the idle time) and a stream of partitions used
     * once: while the queues in use within the idle time fit below the bound, none of them is closed.
     */
    @Property(tries = 50)
    void queuesInUseStayOpenWhileOnceUsedOnesComeAndGo(@ForAll @IntRange(min = 10, max = 300) int max,
                                                       @ForAll @IntRange(min = 10, max = 100) int hotPercent,
                                                       @ForAll @IntRange(min = 2, max = 6) int usesPerIdleTime,
                                                       @ForAll long seed) {
        // hot queues, each used usesPerIdleTime times within the idle time, plus one new queue
        // every third step: about hot * usesPerIdleTime / 3 of those are in use at a time.
        int room = OpenQueuePolicy.closeDownTo(max) - 2;
        int hot = Math.max(1, room * 3 / (3 + usesPerIdleTime) * hotPercent / 100);
        long msPerStep = Math.max(1, IDLE_MS / ((long) hot * usesPerIdleTime));
        Assume.that(hot * msPerStep < IDLE_MS && hot + IDLE_MS / msPerStep / 3 + 1 < OpenQueuePolicy.closeDownTo(max));
        Manager m = new Manager(max, seed);
        long now = NOW;
        int onceUsed = 1_000_000;
        for (int step = 0; step < 3_000; step++) {
            now += msPerStep;
            m.use(step % hot, now);
            if (step % 3 == 0) {
                m.use(onceUsed++, now);
            }
        }
        assertThat(m.closed).as("queues in use closed").noneMatch(p -> p < hot);
        assertThat(m.closed).as("once-used queues closed").isNotEmpty();
        assertThat(m.maxOpen).isLessThanOrEqualTo(max);
    }

    /** The manager's bookkeeping, synchronous: opens on a miss, closes a batch above the high mark, ages counts. */
    private static final class Manager {
        final int max;
        final Map<Integer, Long> open = new HashMap<>(); // last used
        long sweeps;
        final long seed;
        long hits;
        long misses;
        int maxOpen;
        final Set<Integer> closed = new HashSet<>();

        Manager(int max, long seed) {
            this.max = max;
            this.seed = seed;
        }

        void use(int p, long now) {
            if (open.put(p, now) != null) {
                hits++;
                return;
            }
            misses++;
            if (open.size() > OpenQueuePolicy.closeAbove(max)) {
                List<OpenQueuePolicy.OpenQueue<Integer>> list = new ArrayList<>();
                open.forEach((k, v) -> list.add(new OpenQueuePolicy.OpenQueue<>(k, v)));
                for (int victim : OpenQueuePolicy.victims(list, OpenQueuePolicy.closeDownTo(max), now, IDLE_MS,
                        seed + sweeps++)) {
                    open.remove(victim);
                    closed.add(victim);
                }
            }
            maxOpen = Math.max(maxOpen, open.size());
        }
    }
}
