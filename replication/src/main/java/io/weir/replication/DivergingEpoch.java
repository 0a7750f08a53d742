package io.weir.replication;

import io.weir.storage.EpochEndOffset;
import io.weir.storage.PartitionLog;
import java.util.Optional;

/**
 * The leader's half of fetch-based truncation (KIP-595's use in Kafka's Partition.fetchRecords):
 * a fetcher says which epoch its log ends in; if the leader's log ended that epoch earlier,
 * or never had it, the fetcher's tail diverges and the leader answers with where its own
 * log ends for the largest epoch ≤ the fetcher's, instead of records.
 */
public final class DivergingEpoch {
    private DivergingEpoch() {
    }

    /**
     * @param lastFetchedEpoch the epoch of the fetcher's last batch, or -1 if it sent none
     * @return the epoch and end offset to return as the diverging epoch, if the logs diverge
     */
    public static Optional<EpochEndOffset> check(PartitionLog leaderLog, int lastFetchedEpoch, long fetchOffset) {
        if (lastFetchedEpoch < 0) {
            return Optional.empty();
        }
        EpochEndOffset end = leaderLog.endOffsetForEpoch(lastFetchedEpoch);
        if (end.leaderEpoch() < lastFetchedEpoch || end.endOffset() < fetchOffset) {
            return Optional.of(end);
        }
        return Optional.empty();
    }
}
