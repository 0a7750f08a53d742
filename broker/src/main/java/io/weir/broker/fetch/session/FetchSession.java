package io.weir.broker.fetch.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.requests.FetchMetadata;

/**
 * An incremental fetch session (KIP-227): the partitions a fetcher reads, each with its last
 * request parameters and what it was last told, in the order they are read (a partition that
 * returned records moves to the end, so each gets its turn under the request's byte limits).
 * Its lock guards the partitions and the epoch; the {@link FetchSessionCache}'s lock, when both
 * are needed, is taken first.
 */
public final class FetchSession {
    private final int id;
    private final boolean privileged;
    private final boolean usesTopicIds;
    private final long creationMs;
    private final LinkedHashMap<SessionPartition, CachedPartition> partitions;
    private long lastUsedMs;
    private int epoch;
    /** The size the cache last indexed this session under, -1 while it is not in the cache. */
    private int cachedSize = -1;

    FetchSession(int id, boolean privileged, boolean usesTopicIds, long creationMs,
                 LinkedHashMap<SessionPartition, CachedPartition> partitions) {
        this.id = id;
        this.privileged = privileged;
        this.usesTopicIds = usesTopicIds;
        this.creationMs = creationMs;
        this.lastUsedMs = creationMs;
        this.partitions = partitions;
        this.epoch = FetchMetadata.nextEpoch(FetchMetadata.INITIAL_EPOCH);
    }

    public int id() {
        return id;
    }

    public boolean privileged() {
        return privileged;
    }

    public boolean usesTopicIds() {
        return usesTopicIds;
    }

    long creationMs() {
        return creationMs;
    }

    synchronized long lastUsedMs() {
        return lastUsedMs;
    }

    synchronized void lastUsedMs(long now) {
        lastUsedMs = now;
    }

    /** The epoch the fetcher's next incremental request must carry. */
    public synchronized int epoch() {
        return epoch;
    }

    synchronized void advanceEpoch() {
        epoch = FetchMetadata.nextEpoch(epoch);
    }

    public synchronized int size() {
        return partitions.size();
    }

    synchronized int cachedSize() {
        return cachedSize;
    }

    synchronized void cachedSize(int size) {
        cachedSize = size;
    }

    /**
     * Applies an incremental request: {@code fetchData} partitions are added (new) or take the
     * request's parameters (known), then {@code forgotten} ones leave.
     */
    synchronized Changes update(Map<SessionPartition, FetchPartition> fetchData, List<SessionPartition> forgotten) {
        Changes changes = new Changes(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        fetchData.forEach((key, request) -> {
            CachedPartition cached = partitions.get(key);
            if (cached == null) {
                partitions.put(key, new CachedPartition(key, request));
                changes.added().add(key);
            } else {
                cached.updateRequest(request);
                changes.updated().add(key);
            }
        });
        for (SessionPartition key : forgotten) {
            if (partitions.remove(key) != null) changes.removed().add(key);
        }
        return changes;
    }

    /** The partitions to read, in session order, with their cached request parameters. */
    synchronized LinkedHashMap<SessionPartition, FetchPartition> toRead() {
        LinkedHashMap<SessionPartition, FetchPartition> out = new LinkedHashMap<>();
        partitions.forEach((key, cached) -> out.put(key, cached.request()));
        return out;
    }

    /**
     * Keeps the reads the fetcher must hear about, remembering what it is told, and moves the
     * partitions that returned records to the end of the session's order.
     */
    synchronized void prune(Map<SessionPartition, org.apache.kafka.common.message.FetchResponseData.PartitionData> reads) {
        List<CachedPartition> served = new ArrayList<>();
        reads.entrySet().removeIf(e -> {
            CachedPartition cached = partitions.get(e.getKey());
            if (cached == null || !cached.mustRespond(e.getValue(), true)) return true;
            if (org.apache.kafka.common.requests.FetchResponse.recordsSize(e.getValue()) > 0) served.add(cached);
            return false;
        });
        for (CachedPartition cached : served) {
            partitions.remove(cached.key());
            partitions.put(cached.key(), cached);
        }
    }

    synchronized List<SessionPartition> partitionOrder() {
        return List.copyOf(partitions.keySet());
    }

    /** What an incremental request changed. */
    record Changes(List<SessionPartition> added, List<SessionPartition> updated, List<SessionPartition> removed) {
    }

    @Override
    public synchronized String toString() {
        return "FetchSession(id=" + id + ", privileged=" + privileged + ", partitions=" + partitions.size()
                + ", epoch=" + epoch + ")";
    }
}
