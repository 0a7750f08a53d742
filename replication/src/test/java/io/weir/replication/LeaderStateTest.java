package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/** The leader's view of its followers, driven fetch by fetch with a hand-moved clock. */
class LeaderStateTest {
    private static final long LAG_MAX = 10_000;
    private static final IntPredicate ALL_LIVE = id -> true;

    private LeaderState leader(List<Integer> isr) {
        return new LeaderState(1, 5, 10, List.of(1, 2, 3), isr, 100, 100, 0);
    }

    @Test
    void highWatermarkIsTheMinimumLogEndOffsetOfTheIsrAndNeverMovesBack() {
        LeaderState s = leader(List.of(1, 2, 3));
        assertThat(s.maybeAdvanceHighWatermark(120)).as("followers have not fetched yet").isEqualTo(100);
        assertThat(s.onFollowerFetch(2, 120, 120, 1)).isEqualTo(100);
        assertThat(s.onFollowerFetch(3, 110, 120, 2)).isEqualTo(110);
        assertThat(s.onFollowerFetch(3, 120, 120, 3)).isEqualTo(120);
        assertThat(s.onFollowerFetch(2, 105, 120, 4)).as("a follower that truncated does not pull HW back")
                .isEqualTo(120);
    }

    @Test
    void aFollowerOutsideTheIsrDoesNotHoldTheHighWatermark() {
        LeaderState s = leader(List.of(1, 2));
        s.onFollowerFetch(3, 0, 150, 1);
        assertThat(s.onFollowerFetch(2, 150, 150, 1)).isEqualTo(150);
    }

    @Test
    void aFollowerThatStopsCatchingUpIsDroppedAfterTheLagTime() {
        LeaderState s = leader(List.of(1, 2, 3));
        s.onFollowerFetch(2, 100, 100, 0);
        s.onFollowerFetch(3, 100, 100, 0);
        assertThat(s.proposeIsrChange(100, LAG_MAX, LAG_MAX, ALL_LIVE)).isEmpty();
        // 2 keeps up; 3 keeps fetching but stays behind the leader's LEO
        for (long t = 1_000; t <= 12_000; t += 1_000) {
            s.onFollowerFetch(2, 100 + t, 100 + t, t);
            s.onFollowerFetch(3, 100, 100 + t, t);
        }
        assertThat(s.proposeIsrChange(12_100, 12_000, LAG_MAX, ALL_LIVE)).contains(List.of(1, 2));
        assertThat(s.proposeIsrChange(12_100, 12_000, LAG_MAX, ALL_LIVE)).as("one change in flight at a time").isEmpty();
        s.onIsrCommitted(List.of(1, 2), 11, 12_100);
        assertThat(s.isr()).containsExactly(1, 2);
        assertThat(s.partitionEpoch()).isEqualTo(11);
    }

    @Test
    void aFollowerThatCatchesUpRejoinsTheIsr() {
        LeaderState s = leader(List.of(1, 2));
        s.onFollowerFetch(2, 200, 200, 1);
        assertThat(s.highWatermark()).isEqualTo(200);
        s.onFollowerFetch(3, 150, 200, 2);
        assertThat(s.proposeIsrChange(200, 3, LAG_MAX, ALL_LIVE)).as("3 is below the HW").isEmpty();
        s.onFollowerFetch(3, 200, 200, 4);
        assertThat(s.proposeIsrChange(200, 5, LAG_MAX, ALL_LIVE)).contains(List.of(1, 2, 3));
    }

    @Test
    void aFencedFollowerIsNeverProposedBackAndRejoinsOnlyAfterFetchingAgain() {
        LeaderState s = leader(List.of(1, 2, 3));
        s.onFollowerFetch(2, 200, 200, 1);
        s.onFollowerFetch(3, 200, 200, 1);
        // 3 dies and is fenced: the controller takes it out of the ISR; its last fetch was caught up.
        s.onIsrCommitted(List.of(1, 2), 11, 200);
        IntPredicate threeFenced = id -> id != 3;
        for (long t = 2; t < 100; t++) {
            assertThat(s.proposeIsrChange(200, t, LAG_MAX, threeFenced)).as("3 is fenced at %d ms", t).isEmpty();
        }
        assertThat(s.proposeIsrChange(200, 100, LAG_MAX, ALL_LIVE))
                .as("unfenced, but nothing heard from 3 since it was fenced").isEmpty();
        s.onFollowerFetch(3, 200, 200, 101);
        assertThat(s.proposeIsrChange(200, 102, LAG_MAX, ALL_LIVE)).contains(List.of(1, 2, 3));
    }

    @Test
    void anIsrMemberIsKeptWhileTheControllerHasNotRemovedIt() {
        LeaderState s = leader(List.of(1, 2, 3));
        s.onFollowerFetch(2, 100, 100, 0);
        s.onFollowerFetch(3, 100, 100, 0);
        assertThat(s.proposeIsrChange(100, 1, LAG_MAX, id -> id != 3))
                .as("fencing removes it from the ISR; the leader does not race the controller").isEmpty();
        assertThat(s.highWatermark()).isEqualTo(100);
    }

    @Test
    void whileAnExpansionIsPendingTheHighWatermarkWaitsForTheJoiningFollower() {
        LeaderState s = leader(List.of(1, 2));
        s.onFollowerFetch(2, 200, 200, 1);
        s.onFollowerFetch(3, 200, 200, 1);
        assertThat(s.proposeIsrChange(200, 2, LAG_MAX, ALL_LIVE)).contains(List.of(1, 2, 3));
        s.onFollowerFetch(2, 300, 300, 3);
        assertThat(s.highWatermark()).as("3 is joining and has only 200").isEqualTo(200);
        s.onFollowerFetch(3, 300, 300, 4);
        assertThat(s.highWatermark()).isEqualTo(300);
    }

    @Test
    void acksAllCompletesAtTheHighWatermarkAndReportsAShrunkIsr() {
        LeaderState s = leader(List.of(1, 2, 3));
        s.onFollowerFetch(2, 100, 110, 1);
        assertThat(s.ackState(110, 2)).isEqualTo(LeaderState.AckState.WAITING);
        s.onFollowerFetch(2, 110, 110, 2);
        s.onFollowerFetch(3, 110, 110, 2);
        assertThat(s.ackState(110, 2)).isEqualTo(LeaderState.AckState.DONE);
        s.onIsrCommitted(List.of(1), 12, 110);
        assertThat(s.ackState(110, 2)).isEqualTo(LeaderState.AckState.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    }

    @Test
    void aStaleIsrUpdateIsIgnored() {
        LeaderState s = leader(List.of(1, 2, 3));
        s.onIsrCommitted(List.of(1), 9, 100);
        assertThat(s.isr()).containsExactly(1, 2, 3);
    }
}
