package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.controller.image.MetadataImage;
import io.weir.replication.Partition;
import io.weir.replication.PartitionLookup;
import io.weir.replication.ReplicaManager;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Kafka's DescribeProducers ({@code kafka-transactions.sh describe-producers},
 * {@code Admin.describeProducers}): the idempotent producers each partition's log on this node
 * holds state for. As in Kafka, any replica answers (the admin client asks the leader unless a
 * broker id is given); a node without a replica answers NOT_LEADER_OR_FOLLOWER. Weir has no
 * transactions, so the coordinator epoch and transaction start offset are always -1.
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequest> {
    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;
    private final io.weir.broker.security.acl.Authorization authorization;

    public DescribeProducersHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this(image, replicas, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Each topic needs READ (TOPIC_AUTHORIZATION_FAILED per partition), as Kafka. */
    public DescribeProducersHandler(Supplier<MetadataImage> image, ReplicaManager replicas, io.weir.broker.security.acl.Authorization authorization) {
        this.image = image;
        this.replicas = replicas;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DescribeProducersRequest request) {
        MetadataImage current = image.get();
        DescribeProducersResponseData out = new DescribeProducersResponseData();
        java.util.function.Predicate<String> readable = authorization.topics(context,
                io.weir.controller.acl.AclBinding.Operation.READ);
        for (DescribeProducersRequestData.TopicRequest topic : request.data().topics()) {
            TopicResponse topicResponse = new TopicResponse().setName(topic.name());
            boolean allowed = readable.test(topic.name());
            for (int index : topic.partitionIndexes()) {
                topicResponse.partitions().add(allowed ? describe(replicas.hostedPartition(current, topic.name(), index))
                        : new PartitionResponse().setPartitionIndex(index)
                                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message()));
            }
            out.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(new DescribeProducersResponse(out));
    }

    private static PartitionResponse describe(PartitionLookup lookup) {
        PartitionResponse out = new PartitionResponse().setPartitionIndex(lookup.id().partition());
        if (!lookup.ok()) {
            return out.setErrorCode(lookup.error().code()).setErrorMessage(lookup.error().message());
        }
        for (Partition.ProducerState p : lookup.partition().activeProducers()) {
            out.activeProducers().add(new ProducerState().setProducerId(p.producerId()).setProducerEpoch(p.epoch())
                    .setLastSequence(p.lastSequence()).setLastTimestamp(p.lastTimestamp())
                    .setCoordinatorEpoch(-1).setCurrentTxnStartOffset(-1));
        }
        return out.setErrorCode(Errors.NONE.code());
    }
}
