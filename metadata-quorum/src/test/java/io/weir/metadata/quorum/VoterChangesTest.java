package io.weir.metadata.quorum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.controller.coordination.VoterChangeException;
import io.weir.controller.coordination.VoterChangeException.Reason;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class VoterChangesTest {

    @Test
    void aDeadVoterIsReplacedByALiveListener() {
        Set<Integer> voters = VoterChanges.remove(Set.of(1, 2, 3), Set.of(1, 2, 4), 3);
        assertThat(voters).containsExactlyInAnyOrder(1, 2);
        assertThat(VoterChanges.add(voters, Set.of(4), Set.of(1, 2, 4), 4)).containsExactlyInAnyOrder(1, 2, 4);
    }

    @Test
    void removingALiveVoterThatLeavesNoLiveMajorityIsRefused() {
        // 3 is dead; removing 2 leaves {1, 3} with one live voter of two.
        assertThatThrownBy(() -> VoterChanges.remove(Set.of(1, 2, 3), Set.of(1, 2), 2))
                .isInstanceOf(VoterChangeException.class).hasMessageContaining("below a majority")
                .extracting(e -> ((VoterChangeException) e).reason()).isEqualTo(Reason.UNSAFE);
    }

    @Test
    void theLastVoterCannotBeRemoved() {
        assertThatThrownBy(() -> VoterChanges.remove(Set.of(1), Set.of(1), 1))
                .hasMessageContaining("last voter");
    }

    @Test
    void refusalsNameTheirReason() {
        assertThat(reason(() -> VoterChanges.remove(Set.of(1, 2, 3), Set.of(1, 2, 3), 7)))
                .isEqualTo(Reason.VOTER_NOT_FOUND);
        assertThat(reason(() -> VoterChanges.add(Set.of(1, 2, 3), Set.of(4), Set.of(1, 2, 3, 4), 2)))
                .isEqualTo(Reason.DUPLICATE_VOTER);
        assertThat(reason(() -> VoterChanges.add(Set.of(1, 2, 3), Set.of(4), Set.of(1, 2, 3, 4), 9)))
                .isEqualTo(Reason.UNKNOWN_NODE);
        assertThat(reason(() -> VoterChanges.add(Set.of(1, 2, 3), Set.of(4), Set.of(1, 2, 3), 4)))
                .isEqualTo(Reason.UNSAFE);
    }

    /** Whatever the membership and liveness, an accepted change leaves a live majority of voters. */
    @Property(tries = 500)
    void anAcceptedChangeKeepsALiveMajority(@ForAll @Size(min = 1, max = 7) Set<@IntRange(min = 1, max = 9) Integer> voters,
                                           @ForAll Set<@IntRange(min = 1, max = 9) Integer> live,
                                           @ForAll @IntRange(min = 1, max = 9) int node, @ForAll boolean add) {
        Set<Integer> listeners = new HashSet<>();
        for (int i = 1; i <= 9; i++) {
            if (!voters.contains(i)) {
                listeners.add(i);
            }
        }
        Set<Integer> next;
        try {
            next = add ? VoterChanges.add(voters, listeners, live, node) : VoterChanges.remove(voters, live, node);
        } catch (VoterChangeException refused) {
            return;
        }
        assertThat(next).isNotEmpty();
        assertThat(next.stream().filter(live::contains).count()).isGreaterThan(next.size() / 2);
        assertThat(Math.abs(next.size() - voters.size())).isEqualTo(1);
    }

    private static Reason reason(Runnable change) {
        try {
            change.run();
        } catch (VoterChangeException e) {
            return e.reason();
        }
        throw new AssertionError("the change was accepted");
    }
}
