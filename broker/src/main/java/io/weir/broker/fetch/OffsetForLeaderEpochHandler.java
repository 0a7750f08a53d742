package io.weir.broker.fetch;

import io.weir.broker.api.ApiHandler;
import io.weir.controller.image.MetadataImage;
import io.weir.replication.Partition;
import io.weir.replication.PartitionLookup;
import io.weir.replication.ReplicaManager;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * OffsetForLeaderEpoch (KIP-101/KIP-320): where a leader epoch ends in the leader's log.
 * Consumers use it to detect log truncation after a leader change; followers will use it to
 * find where their log diverged.
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetsForLeaderEpochRequest> {
    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;
    private final io.weir.broker.security.acl.Authorization authorization;

    public OffsetForLeaderEpochHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this(image, replicas, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Clients need DESCRIBE on each topic (TOPIC_AUTHORIZATION_FAILED per partition); replicas are members. */
    public OffsetForLeaderEpochHandler(Supplier<MetadataImage> image, ReplicaManager replicas, io.weir.broker.security.acl.Authorization authorization) {
        this.image = image;
        this.replicas = replicas;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, OffsetsForLeaderEpochRequest request) {
        MetadataImage current = image.get();
        OffsetForLeaderEpochResponseData out = new OffsetForLeaderEpochResponseData();
        // Replicas' requests come only from members (ClusterActionGuard).
        java.util.function.Predicate<String> describable = request.data().replicaId() >= 0 ? t -> true
                : authorization.topics(context, io.weir.controller.acl.AclBinding.Operation.DESCRIBE);
        for (OffsetForLeaderTopic topic : request.data().topics()) {
            OffsetForLeaderTopicResult result = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderPartition p : topic.partitions()) {
                OffsetForLeaderEpochResponseData.EpochEndOffset answer = new OffsetForLeaderEpochResponseData.EpochEndOffset()
                        .setPartition(p.partition()).setLeaderEpoch(-1).setEndOffset(-1);
                PartitionLookup lookup = replicas.leaderPartition(current, topic.topic(), p.partition(),
                        p.currentLeaderEpoch());
                if (!describable.test(topic.topic())) {
                    answer.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                } else if (!lookup.ok()) {
                    answer.setErrorCode(lookup.error().code());
                } else {
                    try {
                        Partition.EpochEnd end = lookup.partition().endOffsetForEpoch(p.leaderEpoch());
                        answer.setErrorCode(Errors.NONE.code()).setLeaderEpoch(end.leaderEpoch()).setEndOffset(end.endOffset());
                    } catch (ApiException e) {
                        answer.setErrorCode(Errors.forException(e).code());
                    }
                }
                result.partitions().add(answer);
            }
            out.topics().add(result);
        }
        return CompletableFuture.completedFuture(new OffsetsForLeaderEpochResponse(out));
    }
}
