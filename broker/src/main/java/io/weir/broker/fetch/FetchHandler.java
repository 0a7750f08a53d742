package io.weir.broker.fetch;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.network.RateLimitedLog;
import io.weir.broker.security.acl.Authorization;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.image.MetadataImage;
import io.weir.replication.Partition;
import io.weir.replication.PartitionLookup;
import io.weir.replication.Purgatory;
import io.weir.replication.ReplicaManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;
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
import org.slf4j.event.Level;

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
    /** A read that fails the same way on every retry of a client is logged once per interval. */
    private final RateLimitedLog errors = new RateLimitedLog(log);
    private static final short FIRST_TOPIC_ID_VERSION = 13;

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;
    private final Authorization authorization;

    public FetchHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this(image, replicas, Authorization.NONE);
    }

    /** Consumers need READ on each topic (TOPIC_AUTHORIZATION_FAILED per partition); replicas are members. */
    public FetchHandler(Supplier<MetadataImage> image, ReplicaManager replicas, Authorization authorization) {
        this.image = image;
        this.replicas = replicas;
        this.authorization = authorization;
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
        // Replica fetches come only from members (ClusterActionGuard), who may read everything.
        Predicate<String> readable = request.isFromFollower() ? topic -> true
                : authorization.topics(context, Operation.READ);
        Read first = read(request, true, readable);
        if (first.satisfied(request)) return CompletableFuture.completedFuture(first.response());

        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        replicas.purgatory().park(new DelayedFetch(request, readable, result), first.partitions, request.maxWait());
        return result;
    }

    /** Re-reads on every change to its partitions; a follower's position was recorded on arrival. */
    private final class DelayedFetch implements Purgatory.DelayedOperation {
        private final FetchRequest request;
        private final Predicate<String> readable;
        private final CompletableFuture<AbstractResponse> result;

        DelayedFetch(FetchRequest request, Predicate<String> readable, CompletableFuture<AbstractResponse> result) {
            this.request = request;
            this.readable = readable;
            this.result = result;
        }

        @Override
        public boolean tryComplete() {
            if (result.isDone()) return true;
            Read again = read(request, false, readable);
            if (!again.satisfied(request)) return false;
            result.complete(again.response());
            return true;
        }

        @Override
        public void forceComplete() {
            if (result.isDone()) return;
            try {
                result.complete(read(request, false, readable).response());
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

    private Read read(FetchRequest request, boolean firstRead, Predicate<String> readable) {
        FetchRequestData in = request.data();
        boolean byId = request.version() >= FIRST_TOPIC_ID_VERSION;
        MetadataImage current = image.get();
        Follower follower = request.isFromFollower()
                ? new Follower(request.replicaId(), request.replicaEpoch(),
                        replicas.registeredBrokerEpoch(current, request.replicaId()), firstRead)
                : null;
        Read read = new Read();
        long remaining = Math.max(0, request.maxBytes());
        for (FetchRequestData.FetchTopic topic : in.topics()) {
            FetchableTopicResponse topicResponse = new FetchableTopicResponse();
            if (byId) topicResponse.setTopicId(topic.topicId());
            else topicResponse.setTopic(topic.topic());
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                PartitionLookup lookup = byId
                        ? replicas.leaderPartition(current, topic.topicId(), p.partition(), p.currentLeaderEpoch())
                        : replicas.leaderPartition(current, topic.topic(), p.partition(), p.currentLeaderEpoch());
                PartitionData out;
                String name = byId ? (lookup.ok() ? lookup.id().topic() : null) : topic.topic();
                if (name != null && !readable.test(name)) {
                    out = FetchResponse.partitionResponse(p.partition(), Errors.TOPIC_AUTHORIZATION_FAILED);
                } else if (!lookup.ok()) {
                    out = FetchResponse.partitionResponse(p.partition(), lookup.error());
                } else {
                    read.partitions.add(lookup.id().topicPartition());
                    // Kafka's "min one message": the first partition with data may exceed the
                    // limits so that a batch larger than max.bytes can still be consumed.
                    int limit = (int) Math.min(p.partitionMaxBytes(), remaining);
                    out = readPartition(lookup, p, Math.max(limit, 0), read.bytes == 0, follower);
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

    /** Who a replica fetch comes from, and whether this read records its position. */
    private record Follower(int replicaId, long replicaEpoch, long registeredEpoch, boolean recordPosition) {
    }

    /**
     * Reads one partition. A fetch that names the epoch its log ends in ({@code lastFetchedEpoch},
     * followers and current consumers) gets the diverging epoch instead of records when its log
     * has a tail this leader's log does not. A follower reads up to the LEO (its fetch offset is
     * its own LEO, which moves the high watermark), a consumer up to the HW.
     */
    private PartitionData readPartition(PartitionLookup lookup, FetchRequestData.FetchPartition p, int maxBytes,
                                        boolean minOneMessage, Follower follower) {
        Partition partition = lookup.partition();
        try {
            Partition.ReadInfo read;
            if (follower == null) {
                read = partition.read(p.fetchOffset(), p.lastFetchedEpoch(), maxBytes, minOneMessage);
            } else {
                // Over leader.replication.throttled.rate, a moving replica's fetch records its
                // position and gets no records, as Kafka's leader does.
                boolean throttled = replicas.leaderThrottled(partition, follower.replicaId());
                read = partition.fetchAsFollower(follower.replicaId(), follower.replicaEpoch(),
                        follower.registeredEpoch(), p.fetchOffset(), p.lastFetchedEpoch(), throttled ? 0 : maxBytes,
                        minOneMessage && !throttled, follower.recordPosition());
                if (read.records() != null) replicas.recordReplicaRead(partition, follower.replicaId(),
                        read.records().sizeInBytes());
            }
            PartitionData out = new PartitionData()
                    .setPartitionIndex(p.partition())
                    .setErrorCode(Errors.NONE.code())
                    .setHighWatermark(read.highWatermark())
                    .setLastStableOffset(read.highWatermark()) // no transactions: LSO = HW
                    .setLogStartOffset(read.logStartOffset())
                    .setRecords(read.records());
            read.divergingEpoch().ifPresent(d -> out.divergingEpoch().setEpoch(d.leaderEpoch()).setEndOffset(d.endOffset()));
            return out;
        } catch (ApiException e) {
            return new PartitionData()
                    .setPartitionIndex(p.partition())
                    .setErrorCode(Errors.forException(e).code())
                    .setHighWatermark(partition.highWatermark())
                    .setLastStableOffset(partition.highWatermark())
                    .setLogStartOffset(partition.logStartOffset())
                    .setRecords(MemoryRecords.EMPTY);
        } catch (RuntimeException e) {
            errors.log(Level.ERROR, "fetch " + lookup.id(), "Fetch from {} at offset {} failed", lookup.id(), p.fetchOffset(), e);
            return FetchResponse.partitionResponse(p.partition(), Errors.forException(e));
        }
    }
}
