package io.weir.broker.fetch;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.network.RateLimitedLog;
import io.weir.broker.security.acl.Authorization;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.image.MetadataImage;
import io.weir.replication.Partition;
import io.weir.replication.PartitionLookup;
import io.weir.replication.ReplicaManager;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * ListOffsets: earliest, latest, max-timestamp and by-timestamp lookups on the leader. Consumers
 * see offsets up to the high watermark only; with no transactions, READ_COMMITTED sees the same.
 * There is no tiered storage, so the tiered/local variants answer like the local log does.
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequest> {
    private static final Logger log = LoggerFactory.getLogger(ListOffsetsHandler.class);
    /** A read that fails the same way on every retry of a client is logged once per interval. */
    private final RateLimitedLog errors = new RateLimitedLog(log);

    /** First version whose partition answers carry the leader epoch. */
    private static final short FIRST_LEADER_EPOCH_VERSION = 4;

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;
    private final Authorization authorization;

    public ListOffsetsHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this(image, replicas, Authorization.NONE);
    }

    /** Each topic needs DESCRIBE (TOPIC_AUTHORIZATION_FAILED per partition), as Kafka. */
    public ListOffsetsHandler(Supplier<MetadataImage> image, ReplicaManager replicas, Authorization authorization) {
        this.image = image;
        this.replicas = replicas;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, ListOffsetsRequest request) {
        MetadataImage current = image.get();
        boolean consumer = request.replicaId() < 0;
        ListOffsetsResponseData data = new ListOffsetsResponseData();
        java.util.function.Predicate<String> describable = authorization.topics(context, Operation.DESCRIBE);
        for (ListOffsetsTopic topic : request.topics()) {
            ListOffsetsTopicResponse topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
            boolean allowed = describable.test(topic.name());
            for (ListOffsetsPartition p : topic.partitions()) {
                ListOffsetsPartitionResponse answer = allowed ? lookup(current, topic.name(), p, consumer,
                        request.duplicatePartitions().contains(new org.apache.kafka.common.TopicPartition(topic.name(), p.partitionIndex())))
                        : new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                                .setTimestamp(ListOffsetsResponse.UNKNOWN_TIMESTAMP).setOffset(ListOffsetsResponse.UNKNOWN_OFFSET)
                                .setLeaderEpoch(ListOffsetsResponse.UNKNOWN_EPOCH)
                                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                // Older versions cannot carry a leader epoch; writing one would fail to encode.
                if (request.version() < FIRST_LEADER_EPOCH_VERSION) answer.setLeaderEpoch(ListOffsetsResponse.UNKNOWN_EPOCH);
                topicResponse.partitions().add(answer);
            }
            data.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(new ListOffsetsResponse(data));
    }

    private ListOffsetsPartitionResponse lookup(MetadataImage image, String topic, ListOffsetsPartition p,
                                                boolean consumer, boolean duplicate) {
        ListOffsetsPartitionResponse out = new ListOffsetsPartitionResponse()
                .setPartitionIndex(p.partitionIndex())
                .setTimestamp(ListOffsetsResponse.UNKNOWN_TIMESTAMP)
                .setOffset(ListOffsetsResponse.UNKNOWN_OFFSET)
                .setLeaderEpoch(ListOffsetsResponse.UNKNOWN_EPOCH);
        if (duplicate) return out.setErrorCode(Errors.INVALID_REQUEST.code());
        PartitionLookup lookup = replicas.leaderPartition(image, topic, p.partitionIndex(), p.currentLeaderEpoch());
        if (!lookup.ok()) return out.setErrorCode(lookup.error().code());
        long ts = p.timestamp();
        try {
            if (ts == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) ts = ListOffsetsRequest.EARLIEST_TIMESTAMP;
            if (ts == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP
                    || ts == ListOffsetsRequest.EARLIEST_PENDING_UPLOAD_TIMESTAMP) {
                return out.setErrorCode(Errors.NONE.code()); // nothing is tiered
            }
            Optional<Partition.TimestampOffset> found = lookup.partition().offsetForTimestamp(ts, consumer);
            out.setErrorCode(Errors.NONE.code());
            found.ifPresent(f -> out.setTimestamp(f.timestamp()).setOffset(f.offset()).setLeaderEpoch(f.leaderEpoch()));
            return out;
        } catch (ApiException e) {
            return out.setErrorCode(Errors.forException(e).code());
        } catch (RuntimeException e) {
            errors.log(Level.ERROR, "list-offsets " + lookup.id(), "ListOffsets on {} for timestamp {} failed", lookup.id(), ts, e);
            return out.setErrorCode(Errors.forException(e).code());
        }
    }
}
