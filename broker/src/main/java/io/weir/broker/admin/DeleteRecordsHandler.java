package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.network.RateLimitedLog;
import io.weir.controller.image.MetadataImage;
import io.weir.replication.PartitionLookup;
import io.weir.replication.ReplicaManager;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Kafka's DeleteRecords ({@code kafka-delete-records.sh}, {@code Admin.deleteRecords}), on each
 * partition's leader: moves the log start offset through {@code replication.Partition}, answered
 * with the new low watermark once the leader has persisted it. Followers take the leader's log
 * start offset from its fetch answers; Weir does not wait for them (Kafka waits until every ISR
 * member has it), so a follower that becomes leader first may briefly still serve the deleted
 * records. Internal topics are refused, as in Kafka.
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequest> {
    private static final Logger log = LoggerFactory.getLogger(DeleteRecordsHandler.class);

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;
    private final io.weir.broker.security.acl.Authorization authorization;
    private final RateLimitedLog errors = new RateLimitedLog(log);

    public DeleteRecordsHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this(image, replicas, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Each topic needs DELETE (TOPIC_AUTHORIZATION_FAILED per partition), as Kafka. */
    public DeleteRecordsHandler(Supplier<MetadataImage> image, ReplicaManager replicas, io.weir.broker.security.acl.Authorization authorization) {
        this.image = image;
        this.replicas = replicas;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DeleteRecordsRequest request) {
        MetadataImage current = image.get();
        DeleteRecordsResponseData out = new DeleteRecordsResponseData();
        java.util.function.Predicate<String> deletable = authorization.topics(context,
                io.weir.controller.acl.AclBinding.Operation.DELETE);
        for (DeleteRecordsRequestData.DeleteRecordsTopic topic : request.data().topics()) {
            DeleteRecordsTopicResult topicResult = new DeleteRecordsTopicResult().setName(topic.name());
            boolean allowed = deletable.test(topic.name());
            for (DeleteRecordsRequestData.DeleteRecordsPartition p : topic.partitions()) {
                topicResult.partitions().add(allowed ? delete(current, topic.name(), p)
                        : new DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex())
                                .setLowWatermark(DeleteRecordsResponse.INVALID_LOW_WATERMARK)
                                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
            }
            out.topics().add(topicResult);
        }
        return CompletableFuture.completedFuture(new DeleteRecordsResponse(out));
    }

    private DeleteRecordsPartitionResult delete(MetadataImage image, String topic,
                                                DeleteRecordsRequestData.DeleteRecordsPartition p) {
        DeleteRecordsPartitionResult out = new DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex())
                .setLowWatermark(DeleteRecordsResponse.INVALID_LOW_WATERMARK);
        if (Topic.isInternal(topic)) return out.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
        PartitionLookup lookup = replicas.leaderPartition(image, topic, p.partitionIndex(), -1);
        if (!lookup.ok()) return out.setErrorCode(lookup.error().code());
        try {
            return out.setLowWatermark(lookup.partition().deleteRecordsBefore(p.offset())).setErrorCode(Errors.NONE.code());
        } catch (ApiException e) {
            return out.setErrorCode(Errors.forException(e).code());
        } catch (RuntimeException e) {
            errors.log(Level.ERROR, "delete-records " + lookup.id(), "DeleteRecords on {} before {} failed",
                    lookup.id(), p.offset(), e);
            return out.setErrorCode(Errors.forException(e).code());
        }
    }
}
