package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The ISR check looks only at partitions that are due: the schedule's bookkeeping, and a model
 * check that a leader checked only when due proposes exactly what one checked at every run does.
 */
class IsrCheckScheduleTest {
    private static final long LAG_MAX = 1_000;

    @Test
    void keysComeDueInTimeOrderOnceEachAndTheEarliestDueTimeWins() {
        IsrCheckSchedule<String> s = new IsrCheckSchedule<>();
        s.checkAt("a", 300);
        s.checkAt("b", 100);
        s.checkAt("a", 200); // earlier: wins
        s.checkAt("b", 500); // later: ignored
        assertThat(s.size()).isEqualTo(2);
        assertThat(s.takeDue(99)).isEmpty();
        assertThat(s.takeDue(250)).containsExactly("b", "a");
        assertThat(s.takeDue(10_000)).as("the stale entry of a (300) is not taken again").isEmpty();
        assertThat(s.size()).isZero();
        s.checkAt("a", 400);
        assertThat(s.takeDue(400)).containsExactly("a");
    }

    @Test
    void anInSyncLeaderIsDueWhenItsFirstFollowerCouldHaveLaggedTooLong() {
        LeaderState s = new LeaderState(1, 5, 10, List.of(1, 2, 3), List.of(1, 2, 3), 100, 100, 0);
        s.onFollowerFetch(2, 100, 100, 400);
        s.onFollowerFetch(3, 100, 100, 700);
        assertThat(s.nextIsrCheckMs(LAG_MAX)).isEqualTo(400 + LAG_MAX + 1);
        assertThat(s.proposeIsrChange(100, 400 + LAG_MAX, LAG_MAX, id -> true)).isEmpty();
        assertThat(s.proposeIsrChange(100, 400 + LAG_MAX + 1, LAG_MAX, id -> true)).contains(List.of(1, 3));
        assertThat(s.nextIsrCheckMs(LAG_MAX)).as("pending: only the reply makes it due").isEqualTo(Long.MAX_VALUE);
        LeaderState alone = new LeaderState(1, 5, 10, List.of(1, 2), List.of(1), 100, 100, 0);
        assertThat(alone.nextIsrCheckMs(LAG_MAX)).isEqualTo(Long.MAX_VALUE);
    }

    /**
     * Random fetches, appends, clock steps, proposal replies and fencing: the leader checked when
     * the schedule says (its deadline, or the next run after an event) proposes at every run
     * exactly what the leader checked at every run proposes.
     */
    @Property(tries = 500)
    void checkingOnlyDuePartitionsProposesWhatCheckingEveryPartitionDoes(
            @ForAll @Size(max = 120) List<@IntRange(min = 0, max = 5_999) Integer> actions,
            @ForAll boolean startInSync) {
        List<Integer> isr = startInSync ? List.of(1, 2, 3) : List.of(1, 2);
        LeaderState every = new LeaderState(1, 5, 10, List.of(1, 2, 3), isr, 100, 100, 0);
        LeaderState scheduled = new LeaderState(1, 5, 10, List.of(1, 2, 3), isr, 100, 100, 0);
        IsrCheckSchedule<String> schedule = new IsrCheckSchedule<>();
        schedule.checkAt("p", 0); // a new leadership is an event
        Set<Integer> eligible = new HashSet<>(Set.of(2, 3));
        Set<Integer> eligibleAtLastCheck = null;
        long now = 0;
        long leo = 100;
        int partitionEpoch = 10;
        Optional<List<Integer>> pending = Optional.empty();
        for (int code : actions) {
            int kind = code % 6;
            int arg = code / 6;
            switch (kind) {
                case 0, 1 -> { // a follower fetch at or a little behind the leader's LEO
                    int follower = 2 + arg % 2;
                    long offset = Math.max(90, leo - arg % 4);
                    every.onFollowerFetch(follower, offset, leo, now);
                    scheduled.onFollowerFetch(follower, offset, leo, now);
                    if (!scheduled.inIsr(follower)) schedule.checkAt("p", now);
                }
                case 2 -> { // an append
                    leo += 1 + arg % 3;
                    every.maybeAdvanceHighWatermark(leo);
                    scheduled.maybeAdvanceHighWatermark(leo);
                }
                case 3 -> { // the controller answers the pending proposal
                    if (pending.isPresent()) {
                        if (arg % 3 == 0) {
                            every.onIsrChangeFailed();
                            scheduled.onIsrChangeFailed();
                        } else {
                            partitionEpoch++;
                            every.onIsrCommitted(pending.get(), partitionEpoch, leo);
                            scheduled.onIsrCommitted(pending.get(), partitionEpoch, leo);
                        }
                        pending = Optional.empty();
                        schedule.checkAt("p", now);
                    }
                }
                case 4 -> { // a broker is fenced or unfenced
                    int broker = 2 + arg % 2;
                    if (!eligible.remove(broker)) eligible.add(broker);
                }
                default -> { // time passes and the ISR check runs
                    now += arg;
                    Optional<List<Integer>> expected = every.proposeIsrChange(leo, now, LAG_MAX, eligible::contains);
                    boolean due;
                    if (!eligible.equals(eligibleAtLastCheck)) {
                        eligibleAtLastCheck = Set.copyOf(eligible);
                        due = true;
                    } else {
                        due = !schedule.takeDue(now).isEmpty();
                    }
                    Optional<List<Integer>> actual = due
                            ? scheduled.proposeIsrChange(leo, now, LAG_MAX, eligible::contains) : Optional.empty();
                    assertThat(actual).as("at %d ms", now).isEqualTo(expected);
                    if (due) {
                        long next = scheduled.nextIsrCheckMs(LAG_MAX);
                        if (next != Long.MAX_VALUE) schedule.checkAt("p", next);
                    }
                    if (expected.isPresent()) pending = expected;
                }
            }
        }
    }
}
