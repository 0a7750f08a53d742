package io.weir.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.zk.ElectionPlan.Step;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The pure decisions of the election: what a node does after reading the controller znode. */
class ZooKeeperElectionPlanTest {
    private static final long US = 0x11L;
    private static final long THEM = 0x22L;

    @Test
    void withNoControllerANodeStandsForElection() {
        assertThat(ElectionPlan.next(false, 0, US, false)).isEqualTo(Step.ELECT);
        // Leading while the znode is gone (the session ended before the worker heard): stand again.
        assertThat(ElectionPlan.next(false, 0, US, true)).isEqualTo(Step.ELECT);
    }

    @Test
    void aNodeWhoseSessionHoldsTheZnodeKeepsItOrTakesItBackAtANewEpoch() {
        assertThat(ElectionPlan.next(true, US, US, true)).isEqualTo(Step.STAY);
        assertThat(ElectionPlan.next(true, US, US, false)).isEqualTo(Step.RETAKE);
    }

    @Test
    void anotherSessionsZnodeMakesANodeFollowEvenIfItBelievesItLeads() {
        assertThat(ElectionPlan.next(true, THEM, US, false)).isEqualTo(Step.FOLLOW);
        assertThat(ElectionPlan.next(true, THEM, US, true)).isEqualTo(Step.FOLLOW);
    }

    @Test
    void theNextEpochIsOneAboveTheEpochZnodeAndRoundTrips() {
        assertThat(ElectionPlan.nextEpoch(ElectionPlan.epochZnode(0))).isEqualTo(1);
        assertThat(ElectionPlan.nextEpoch(ElectionPlan.epochZnode(41))).isEqualTo(42);
        assertThat(ElectionPlan.nextEpoch(" 7\n".getBytes(StandardCharsets.UTF_8))).isEqualTo(8);
    }

    @Test
    void anUnreadableOrNegativeEpochZnodeIsRefusedNotGuessed() {
        assertThatThrownBy(() -> ElectionPlan.nextEpoch("seven".getBytes(StandardCharsets.UTF_8)))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("controller_epoch");
        assertThatThrownBy(() -> ElectionPlan.nextEpoch("-3".getBytes(StandardCharsets.UTF_8)))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("negative");
    }
}
