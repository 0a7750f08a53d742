package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.storage.EpochEndOffset;
import org.junit.jupiter.api.Test;

class FollowerTruncationTest {
    @Test
    void sameEpochOnBothSidesTruncatesToTheSmallerEnd() {
        assertThat(FollowerTruncation.truncationOffset(3, 50, new EpochEndOffset(3, 70), 90, 10)).isEqualTo(50);
        assertThat(FollowerTruncation.truncationOffset(3, 80, new EpochEndOffset(3, 70), 90, 10)).isEqualTo(70);
    }

    @Test
    void aDifferentLocalEpochTruncatesToItsEndAndLetsTheNextFetchNarrowIt() {
        assertThat(FollowerTruncation.truncationOffset(3, 50, new EpochEndOffset(2, 40), 90, 10)).isEqualTo(40);
    }

    @Test
    void unknownEpochsFallBackToTheLeaderEndOrTheHighWatermark() {
        assertThat(FollowerTruncation.truncationOffset(3, 50, EpochEndOffset.UNDEFINED, 90, 10)).isEqualTo(50);
        assertThat(FollowerTruncation.truncationOffset(-1, -1, EpochEndOffset.UNDEFINED, 90, 10)).isEqualTo(10);
        assertThat(FollowerTruncation.truncationOffset(3, 500, new EpochEndOffset(3, 700), 90, 10)).isEqualTo(90);
    }
}
