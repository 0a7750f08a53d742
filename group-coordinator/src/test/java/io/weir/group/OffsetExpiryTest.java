package io.weir.group;

import io.weir.group.OffsetExpiry.Decision;
import io.weir.group.OffsetExpiry.GroupState;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OffsetExpiryTest {
    private static final long RETENTION = 1_000;
    private static final TopicPartition A0 = new TopicPartition("a", 0);
    private static final TopicPartition A1 = new TopicPartition("a", 1);
    private static final TopicPartition B0 = new TopicPartition("b", 0);

    @Test
    void anEmptyGroupsOffsetsExpireARetentionAfterItBecameEmpty() {
        Map<TopicPartition, Long> committed = Map.of(A0, 100L, A1, 200L);
        assertThat(OffsetExpiry.decide(GroupState.empty(500), committed, 1_499, RETENTION).nothing()).isTrue();
        Decision decision = OffsetExpiry.decide(GroupState.empty(500), committed, 1_500, RETENTION);
        assertThat(decision.expired()).containsExactly(A0, A1);
        assertThat(decision.deleteGroup()).isTrue();
    }

    @Test
    void anOffsetCommittedWhileTheGroupWasEmptyKeepsItsOwnRetention() {
        Map<TopicPartition, Long> committed = Map.of(A0, 100L, A1, 900L);
        Decision decision = OffsetExpiry.decide(GroupState.empty(500), committed, 1_600, RETENTION);
        assertThat(decision.expired()).containsExactly(A0);
        assertThat(decision.deleteGroup()).isFalse();
    }

    @Test
    void anEmptyGroupWithNoOffsetsIsDeleted() {
        Decision decision = OffsetExpiry.decide(GroupState.empty(500), Map.of(), 501, RETENTION);
        assertThat(decision.expired()).isEmpty();
        assertThat(decision.deleteGroup()).isTrue();
    }

    @Test
    void standaloneOffsetsExpireARetentionAfterTheirCommit() {
        Map<TopicPartition, Long> committed = Map.of(A0, 100L, B0, 700L);
        Decision decision = OffsetExpiry.decide(GroupState.offsetsOnly(), committed, 1_100, RETENTION);
        assertThat(decision.expired()).containsExactly(A0);
        assertThat(decision.deleteGroup()).isFalse();
    }

    @Test
    void aGroupWithMembersKeepsTheOffsetsOfTopicsItSubscribesTo() {
        Map<TopicPartition, Long> committed = Map.of(A0, 100L, A1, 100L, B0, 100L);
        Decision decision = OffsetExpiry.decide(GroupState.active(Set.of("a")), committed, 10_000, RETENTION);
        assertThat(decision.expired()).containsExactly(B0);
        assertThat(decision.deleteGroup()).isFalse();
    }

    @Test
    void aGroupWithMembersWhoseSubscriptionsAreUnknownKeepsEverything() {
        Map<TopicPartition, Long> committed = Map.of(A0, 100L, B0, 100L);
        assertThat(OffsetExpiry.decide(GroupState.active(null), committed, 10_000, RETENTION).nothing()).isTrue();
    }

    @Test
    void aRetentionMustBePositive() {
        assertThatThrownBy(() -> OffsetExpiry.decide(GroupState.offsetsOnly(), Map.of(), 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Property
    void nothingExpiresBeforeARetentionHasPassedSinceItsCommit(@ForAll @LongRange(min = 0, max = 1L << 40) long committedAt,
                                                                @ForAll @LongRange(min = 0, max = 1L << 40) long emptySince,
                                                                @ForAll @LongRange(min = 0, max = 1L << 41) long now,
                                                                @ForAll @LongRange(min = 1, max = 1L << 40) long retention) {
        for (GroupState state : new GroupState[] {GroupState.empty(emptySince), GroupState.offsetsOnly(),
                GroupState.active(Set.of("b")), GroupState.active(Set.of("a"))}) {
            Decision decision = OffsetExpiry.decide(state, Map.of(A0, committedAt), now, retention);
            if (now - committedAt < retention) assertThat(decision.expired()).isEmpty();
            if (decision.deleteGroup()) assertThat(state.kind()).isEqualTo(OffsetExpiry.Kind.EMPTY);
        }
    }

    @Test
    void aCommitThatRacedTheCheckKeepsItsOffset() {
        TopicPartition recommitted = new TopicPartition("t", 1);
        TopicPartition committing = new TopicPartition("t", 2);
        TopicPartition untouched = new TopicPartition("t", 3);
        TopicPartition gone = new TopicPartition("t", 4);
        Map<TopicPartition, Long> decidedAt = Map.of(recommitted, 10L, committing, 10L, untouched, 10L, gone, 10L);

        Set<TopicPartition> still = OffsetExpiry.stillExpired(Set.of(recommitted, committing, untouched, gone),
                decidedAt, Map.of(recommitted, 99L, committing, 10L, untouched, 10L), Set.of(committing));

        assertThat(still).containsExactly(untouched);
    }
}

