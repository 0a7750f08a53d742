package io.weir.broker.fetch.session;

import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchResponse;

/**
 * One partition of a fetch session: the fetcher's last request parameters (so an incremental
 * request may leave the partition out) and what the fetcher was last told (so an incremental
 * response may leave it out), as Kafka's {@code FetchSession.CachedPartition}. Guarded by its
 * session's lock.
 */
final class CachedPartition {
    private final SessionPartition key;
    private FetchPartition request;
    private long highWatermark = -1;
    private long localLogStartOffset = -1;

    CachedPartition(SessionPartition key, FetchPartition request) {
        this.key = key;
        this.request = copy(request);
    }

    SessionPartition key() {
        return key;
    }

    /** The request parameters to read this partition with (a copy: readers may not change the cache). */
    FetchPartition request() {
        return copy(request);
    }

    void updateRequest(FetchPartition request) {
        this.request = copy(request);
    }

    /**
     * Whether the fetcher must be told about this read: new records, a changed high watermark or
     * log start offset, an error, a diverging epoch or a preferred read replica (Kafka's rule).
     * With {@code update}, remembers what it is told; an error resets the remembered high
     * watermark so that the partition is sent again once the error is gone.
     */
    boolean mustRespond(PartitionData response, boolean update) {
        boolean must = FetchResponse.recordsSize(response) > 0;
        if (highWatermark != response.highWatermark()) {
            must = true;
            if (update) highWatermark = response.highWatermark();
        }
        if (localLogStartOffset != response.logStartOffset()) {
            must = true;
            if (update) localLogStartOffset = response.logStartOffset();
        }
        if (FetchResponse.isPreferredReplica(response) || FetchResponse.isDivergingEpoch(response)) must = true;
        if (response.errorCode() != Errors.NONE.code()) {
            must = true;
            if (update) highWatermark = -1;
        }
        return must;
    }

    private static FetchPartition copy(FetchPartition p) {
        return new FetchPartition()
                .setPartition(p.partition())
                .setCurrentLeaderEpoch(p.currentLeaderEpoch())
                .setFetchOffset(p.fetchOffset())
                .setLastFetchedEpoch(p.lastFetchedEpoch())
                .setLogStartOffset(p.logStartOffset())
                .setPartitionMaxBytes(p.partitionMaxBytes());
    }
}
