package io.weir.broker.fetch;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.replica.LeaderLookup;
import io.weir.broker.replica.ReplicaManager;
import io.weir.broker.replica.Replication;
import io.weir.replication.DivergingEpoch;
import io.weir.storage.EpochEndOffset;
import io.weir.controller.image.MetadataImage;
import io.weir.storage.LogReadResult;
import io.weir.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Fetch: reads many partitions up to the request's byte limits and, when fewer than
 * {@code min.bytes} are available, parks the request until data arrives or
 * {@code max.wait.ms} passes (long poll).
 *
 * <p>Fetch sessions (KIP-227): this node never creates one. Every response carries session id
 * 0, which tells clients to keep sending full fetch requests; an incremental request (which
 * needs a session we never handed out) gets FETCH_SESSION_ID_NOT_FOUND, after which clients
 * start over with a full request. Correct for every client, at the cost of larger requests.
 */
public final class FetchHandler implements ApiHandler<FetchRequest> {
    private static final Logger log = LoggerFactory.getLogger(FetchHandler.class);
    private static final short FIRST_TOPIC_ID_VERSION = 13;

    private final ReplicaManager replicas;

    public FetchHandler(ReplicaManager replicas) {
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, FetchRequest request) {
        FetchMetadata session = request.metadata();
        if (!session.isFull() || (session.sessionId() != FetchMetadata.INVALID_SESSION_ID
                && session.epoch() != FetchMetadata.FINAL_EPOCH)) {
            return CompletableFuture.completedFuture(FetchResponse.of(new FetchResponseData()
                    .setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code())
                    .setSessionId(FetchMetadata.INVALID_SESSION_ID)));
        }
        Read first = read(request);
        if (first.satisfied(request)) return CompletableFuture.completedFuture(first.response());

        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        replicas.purgatory().park(new DelayedFetch(request, result), first.partitions, request.maxWait());
        return result;
    }

    private final class DelayedFetch implements io.weir.broker.replica.Purgatory.DelayedOperation {
        private final FetchRequest request;
        private final CompletableFuture<AbstractResponse> result;

        DelayedFetch(FetchRequest request, CompletableFuture<AbstractResponse> result) {
            this.request = request;
            this.result = result;
        }

        @Override
        public boolean tryComplete() {
            if (result.isDone()) return true;
            Read again = read(request);
            if (!again.satisfied(request)) return false;
            result.complete(again.response());
            return true;
        }

        @Override
        public void forceComplete() {
            if (result.isDone()) return;
            try {
                result.complete(read(request).response());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }
    }

    /** One pass over the requested partitions. */
    private final class Read {
        final FetchResponseData data = new FetchResponseData()
                .setErrorCode(Errors.NONE.code()).setSessionId(FetchMetadata.INVALID_SESSION_ID);
        final List<TopicPartition> partitions = new ArrayList<>();
        long bytes;
        boolean anyError;

        boolean satisfied(FetchRequest request) {
            return request.maxWait() <= 0 || bytes >= request.minBytes() || anyError || partitions.isEmpty();
        }

        FetchResponse response() {
            return FetchResponse.of(data);
        }
    }

    private Read read(FetchRequest request) {
        FetchRequestData in = request.data();
        boolean byId = request.version() >= FIRST_TOPIC_ID_VERSION;
        boolean follower = request.isFromFollower();
        MetadataImage image = replicas.metadata().image();
        Read read = new Read();
        long remaining = Math.max(0, request.maxBytes());
        for (FetchRequestData.FetchTopic topic : in.topics()) {
            FetchableTopicResponse topicResponse = new FetchableTopicResponse();
            if (byId) topicResponse.setTopicId(topic.topicId());
            else topicResponse.setTopic(topic.topic());
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                LeaderLookup leader = byId
                        ? replicas.leaderFor(image, topic.topicId(), p.partition(), p.currentLeaderEpoch())
                        : replicas.leaderFor(image, topic.topic(), p.partition(), p.currentLeaderEpoch());
                PartitionData out;
                if (!leader.ok()) {
                    out = FetchResponse.partitionResponse(p.partition(), leader.error());
                } else {
                    read.partitions.add(leader.partition().topicPartition());
                    // Kafka's "min one message": the first partition with data may exceed the
                    // limits so that a batch larger than max.bytes can still be consumed.
                    int limit = (int) Math.min(p.partitionMaxBytes(), remaining);
                    out = readPartition(leader, p, Math.max(limit, 0), read.bytes == 0,
                            follower ? request.replicaId() : -1);
                    int size = FetchResponse.recordsSize(out);
                    read.bytes += size;
                    remaining = Math.max(0, remaining - size);
                }
                if (out.errorCode() != Errors.NONE.code()) read.anyError = true;
                topicResponse.partitions().add(out);
            }
            read.data.responses().add(topicResponse);
        }
        return read;
    }

    /**
     * Reads one partition. A fetch that names the epoch its log ends in ({@code lastFetchedEpoch},
     * followers and current consumers) gets the diverging epoch instead of records when its log
     * has a tail this leader's log does not. A follower's fetch offset is its LEO, which moves the
     * high watermark; it reads up to the LEO, consumers up to the HW.
     *
     * @param followerId the fetching replica's broker id, or -1 for a consumer
     */
    private PartitionData readPartition(LeaderLookup leader, FetchRequestData.FetchPartition p, int maxBytes,
                                        boolean minOneMessage, int followerId) {
        PartitionLog partitionLog = leader.log();
        boolean follower = followerId >= 0;
        try {
            Optional<EpochEndOffset> diverging = DivergingEpoch.check(partitionLog, p.lastFetchedEpoch(), p.fetchOffset());
            if (diverging.isPresent()) {
                PartitionData out = new PartitionData()
                        .setPartitionIndex(p.partition())
                        .setErrorCode(Errors.NONE.code())
                        .setHighWatermark(partitionLog.highWatermark())
                        .setLastStableOffset(partitionLog.highWatermark())
                        .setLogStartOffset(partitionLog.logStartOffset())
                        .setRecords(MemoryRecords.EMPTY);
                out.divergingEpoch().setEpoch(diverging.get().leaderEpoch()).setEndOffset(diverging.get().endOffset());
                return out;
            }
            if (follower) {
                Replication replication = replicas.replication();
                if (replication == null || !replication.onFollowerFetch(leader.partition().topicPartition(),
                        partitionLog, followerId, p.fetchOffset())) {
                    return FetchResponse.partitionResponse(p.partition(), Errors.NOT_LEADER_OR_FOLLOWER);
                }
            }
            long maxOffset = follower ? partitionLog.logEndOffset() : partitionLog.highWatermark();
            LogReadResult result = partitionLog.read(p.fetchOffset(), maxBytes, maxOffset, minOneMessage);
            return new PartitionData()
                    .setPartitionIndex(p.partition())
                    .setErrorCode(Errors.NONE.code())
                    .setHighWatermark(result.highWatermark())
                    .setLastStableOffset(result.highWatermark()) // no transactions: LSO = HW
                    .setLogStartOffset(result.logStartOffset())
                    .setRecords(result.records());
        } catch (ApiException e) {
            return new PartitionData()
                    .setPartitionIndex(p.partition())
                    .setErrorCode(Errors.forException(e).code())
                    .setHighWatermark(partitionLog.highWatermark())
                    .setLastStableOffset(partitionLog.highWatermark())
                    .setLogStartOffset(partitionLog.logStartOffset())
                    .setRecords(MemoryRecords.EMPTY);
        } catch (RuntimeException e) {
            log.error("Fetch from {} at offset {} failed", leader.partition(), p.fetchOffset(), e);
            return FetchResponse.partitionResponse(p.partition(), Errors.forException(e));
        }
    }
}
