package io.weir.broker.metadata;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.security.acl.Authorization;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.record.BrokerEndpoint;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Metadata: brokers on the request's listener, the active controller, and topics with leaders
 * and ISRs, all from one metadata image. Unknown topics get UNKNOWN_TOPIC_OR_PARTITION /
 * UNKNOWN_TOPIC_ID, or, when auto-creation is on and the request allows it, LEADER_NOT_AVAILABLE
 * while the controller creates them.
 *
 * <p>With an authorizer, as Kafka: topics the principal may not DESCRIBE are left out of an
 * all-topics answer and answered TOPIC_AUTHORIZATION_FAILED when named (whether they exist or
 * not); auto-creating a topic needs CREATE on the cluster or on the topic, else
 * TOPIC_AUTHORIZATION_FAILED.
 */
public final class MetadataHandler implements ApiHandler<MetadataRequest> {
    private final MetadataView metadata;
    private final TopicAutoCreator autoCreator;
    private final Authorization authorization;

    public MetadataHandler(MetadataView metadata) {
        this(metadata, TopicAutoCreator.DISABLED);
    }

    public MetadataHandler(MetadataView metadata, TopicAutoCreator autoCreator) {
        this(metadata, autoCreator, Authorization.NONE);
    }

    public MetadataHandler(MetadataView metadata, TopicAutoCreator autoCreator, Authorization authorization) {
        this.metadata = metadata;
        this.autoCreator = autoCreator;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, MetadataRequest request) {
        MetadataImage image = metadata.image();
        String listener = context.listenerName();
        MetadataResponseData data = new MetadataResponseData()
                .setClusterId(metadata.clusterId())
                .setControllerId(metadata.activeControllerId().orElse(MetadataResponse.NO_CONTROLLER_ID));
        for (BrokerRegistration broker : image.liveBrokers()) {
            broker.endpoint(listener).ifPresent(endpoint -> data.brokers().add(toBroker(broker, endpoint)));
        }
        java.util.function.Predicate<String> describable = authorization.topics(context, Operation.DESCRIBE);
        if (request.isAllTopics()) {
            image.topicsById().values().stream()
                    .filter(topic -> describable.test(topic.name()))
                    .sorted((a, b) -> a.name().compareTo(b.name()))
                    .forEach(topic -> data.topics().add(toTopic(image, topic)));
        } else {
            // Before v4 a Metadata request always allowed auto-creation.
            boolean allowCreate = request.version() < 4 || request.allowAutoTopicCreation();
            for (MetadataRequestData.MetadataRequestTopic t : request.data().topics()) {
                MetadataResponseTopic answer = lookup(image, t);
                if (answer.name() != null && !describable.test(answer.name())) {
                    // Kafka does not disclose whether a topic the principal may not describe exists.
                    // Asked by id, the name is not disclosed either.
                    data.topics().add(new MetadataResponseTopic().setName(t.name())
                            .setTopicId(t.name() == null ? answer.topicId() : Uuid.ZERO_UUID)
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                    continue;
                }
                boolean create = allowCreate && answer.errorCode() == Errors.UNKNOWN_TOPIC_OR_PARTITION.code()
                        && !Topic.isInternal(t.name());
                if (create && !authorization.allowedOnCluster(context, Operation.CREATE)
                        && !authorization.topics(context, Operation.CREATE).test(t.name())) {
                    answer.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                } else if (create && autoCreator.requestCreation(t.name())) {
                    // As Kafka answers while it creates the topic: the client retries Metadata.
                    answer.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code());
                }
                data.topics().add(answer);
            }
        }
        if (request.data().includeTopicAuthorizedOperations()) {
            // KIP-430, for the topics answered without an error.
            data.topics().forEach(t -> {
                if (t.errorCode() == Errors.NONE.code()) {
                    t.setTopicAuthorizedOperations(authorization.authorizedOperations(context,
                            io.weir.controller.acl.AclBinding.ResourceType.TOPIC, t.name()));
                }
            });
        }
        return CompletableFuture.completedFuture(new MetadataResponse(data, request.version()));
    }

    private static MetadataResponseTopic lookup(MetadataImage image, MetadataRequestData.MetadataRequestTopic t) {
        // By id when one is given (v12+; the name is then null or empty, as Kafka's consumer with a
        // broker-side regex sends it for its assigned topics), as Kafka's MetadataRequest.topicIds().
        boolean byId = t.topicId() != null && !Uuid.ZERO_UUID.equals(t.topicId());
        if (t.name() == null || byId) {
            Uuid id = t.topicId() == null ? Uuid.ZERO_UUID : t.topicId();
            return image.topic(Ids.fromKafka(id)).map(topic -> toTopic(image, topic))
                    .orElseGet(() -> new MetadataResponseTopic().setTopicId(id)
                            .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
        }
        try {
            Topic.validate(t.name());
        } catch (InvalidTopicException e) {
            return new MetadataResponseTopic().setName(t.name()).setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
        }
        return image.topic(t.name()).map(topic -> toTopic(image, topic))
                .orElseGet(() -> new MetadataResponseTopic().setName(t.name())
                        .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
    }

    private static MetadataResponseTopic toTopic(MetadataImage image, TopicImage topic) {
        MetadataResponseTopic out = new MetadataResponseTopic()
                .setName(topic.name())
                .setTopicId(Ids.toKafka(topic.id()))
                .setIsInternal(Topic.isInternal(topic.name()));
        Map<Integer, PartitionRegistration> sorted = new TreeMap<>(topic.partitions());
        sorted.forEach((index, p) -> out.partitions().add(toPartition(image, index, p)));
        return out;
    }

    private static MetadataResponsePartition toPartition(MetadataImage image, int index, PartitionRegistration p) {
        List<Integer> offline = new ArrayList<>();
        for (int replica : p.replicas()) {
            if (!image.isLive(replica)) offline.add(replica);
        }
        boolean leaderLive = p.hasLeader() && image.isLive(p.leader());
        return new MetadataResponsePartition()
                .setPartitionIndex(index)
                .setErrorCode(leaderLive ? Errors.NONE.code() : Errors.LEADER_NOT_AVAILABLE.code())
                .setLeaderId(leaderLive ? p.leader() : MetadataResponse.NO_LEADER_ID)
                .setLeaderEpoch(p.leaderEpoch())
                .setReplicaNodes(p.replicas())
                .setIsrNodes(p.isr())
                .setOfflineReplicas(offline);
    }

    private static MetadataResponseBroker toBroker(BrokerRegistration broker, BrokerEndpoint endpoint) {
        return new MetadataResponseBroker().setNodeId(broker.id()).setHost(endpoint.host())
                .setPort(endpoint.port()).setRack(broker.rack());
    }
}
