package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.storage.EpochEndOffset;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/** The follower's handling of its leader's answers, decided without a thread, socket or log. */
class FollowerFetchDecisionTest {
    /** A follower at LEO 10, HW 8, whose epoch 3 ends at 7 and epoch 5 at 10. */
    private static final FollowerFetchDecision.LocalLog LOCAL = new FollowerFetchDecision.LocalLog(10, 8,
            epoch -> epoch >= 5 ? new EpochEndOffset(5, 10) : epoch >= 3 ? new EpochEndOffset(3, 7) : EpochEndOffset.UNDEFINED);
    private static final MemoryRecords RECORDS = MemoryRecords.withRecords(Compression.NONE,
            new SimpleRecord("x".getBytes(StandardCharsets.UTF_8)));

    @Test
    void recordsAreAppendedAndTheLeadersHighWatermarkFollowed() {
        assertThat(FollowerFetchDecision.onFetched(Errors.NONE, Optional.empty(), RECORDS, 11, LOCAL))
                .isEqualTo(new FollowerFetchDecision.Append(RECORDS, 11));
    }

    @Test
    void aDivergingEpochTruncatesToWhereBothLogsAgree() {
        // The leader's epoch 3 ends at 6: our records 6..9 of epoch 3 and later are not in its log.
        assertThat(FollowerFetchDecision.onFetched(Errors.NONE, Optional.of(new EpochEndOffset(3, 6)),
                MemoryRecords.EMPTY, 12, LOCAL)).isEqualTo(new FollowerFetchDecision.Truncate(6));
        // The leader knows no epoch at all: back to our high watermark.
        assertThat(FollowerFetchDecision.onFetched(Errors.NONE, Optional.of(new EpochEndOffset(-1, -1)),
                MemoryRecords.EMPTY, 12, LOCAL)).isEqualTo(new FollowerFetchDecision.Truncate(8));
    }

    @Test
    void errorsBackOffAndOutOfRangeAsksForTheLeadersRange() {
        assertThat(FollowerFetchDecision.onFetched(Errors.FENCED_LEADER_EPOCH, Optional.empty(), MemoryRecords.EMPTY,
                -1, LOCAL)).isEqualTo(new FollowerFetchDecision.Backoff(Errors.FENCED_LEADER_EPOCH));
        assertThat(FollowerFetchDecision.onFetched(Errors.OFFSET_OUT_OF_RANGE, Optional.empty(), MemoryRecords.EMPTY,
                -1, LOCAL)).isInstanceOf(FollowerFetchDecision.FetchLeaderRange.class);
    }

    @Test
    void theLeadersRangeDecidesBetweenTruncatingStartingOverAndRetrying() {
        assertThat(FollowerFetchDecision.onLeaderRange(10, 0, 6)).as("our log runs past the leader's end")
                .isEqualTo(new FollowerFetchDecision.Truncate(6));
        assertThat(FollowerFetchDecision.onLeaderRange(10, 20, 30)).as("retention moved the leader's start past us")
                .isEqualTo(new FollowerFetchDecision.StartOver(20));
        assertThat(FollowerFetchDecision.onLeaderRange(10, 0, 30)).as("the range moved meanwhile")
                .isEqualTo(new FollowerFetchDecision.Backoff(Errors.OFFSET_OUT_OF_RANGE));
        assertThat(FollowerFetchDecision.onLeaderRange(10, -1, 30)).as("the leader did not answer")
                .isEqualTo(new FollowerFetchDecision.Backoff(Errors.OFFSET_OUT_OF_RANGE));
    }
}
