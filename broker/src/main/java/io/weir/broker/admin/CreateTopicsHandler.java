package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.metadata.Ids;
import io.weir.broker.quota.ControllerMutationQuotas;
import io.weir.broker.quota.MutationQuota;
import io.weir.controller.QuorumController;
import io.weir.controller.config.TopicConfigs;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreateTopicResult;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * CreateTopics through the active controller. On a node that is not the active controller it
 * answers NOT_CONTROLLER, and clients retry against the controller named in Metadata. The
 * answer comes after the topic is committed and replayed on this node. Each topic needs CREATE
 * on the cluster or on the topic (else TOPIC_AUTHORIZATION_FAILED), as Kafka. A new topic's
 * partitions count against the client's {@code controller_mutation_rate}; from version 6 a
 * client in debt has its topics refused THROTTLING_QUOTA_EXCEEDED (KIP-599).
 */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequest> {
    private final QuorumController controller;
    private static final short STRICT_QUOTA_SINCE = 6;
    private final io.weir.broker.security.acl.Authorization authorization;
    private final ControllerMutationQuotas mutationQuotas;

    public CreateTopicsHandler(QuorumController controller) {
        this(controller, io.weir.broker.security.acl.Authorization.NONE);
    }

    public CreateTopicsHandler(QuorumController controller, io.weir.broker.security.acl.Authorization authorization) {
        this(controller, authorization, ControllerMutationQuotas.unbounded());
    }

    public CreateTopicsHandler(QuorumController controller, io.weir.broker.security.acl.Authorization authorization,
                               ControllerMutationQuotas mutationQuotas) {
        this.controller = controller;
        this.authorization = authorization;
        this.mutationQuotas = mutationQuotas;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, CreateTopicsRequest request) {
        CreateTopicsRequestData in = request.data();
        CreateTopicsResponseData out = new CreateTopicsResponseData();
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        for (CreateTopicsRequestData.CreatableTopic t : in.topics()) {
            if (!seen.add(t.name())) duplicates.add(t.name());
        }
        List<CreatableTopic> toCreate = new ArrayList<>();
        boolean createAny = authorization.allowedOnCluster(context, io.weir.controller.acl.AclBinding.Operation.CREATE);
        java.util.function.Predicate<String> creatable = createAny ? name -> true
                : authorization.topics(context, io.weir.controller.acl.AclBinding.Operation.CREATE);
        MutationQuota quota = mutationQuotas.forRequest(context.principal.getName(), context.clientId(),
                context.apiVersion() >= STRICT_QUOTA_SINCE);
        for (CreateTopicsRequestData.CreatableTopic t : in.topics()) {
            if (duplicates.contains(t.name())) continue;
            if (!creatable.test(t.name())) {
                out.topics().add(new CreatableTopicResult().setName(t.name())
                        .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                        .setErrorMessage("Authorization failed."));
                continue;
            }
            if (!quota.tryRecord(newPartitions(t))) {
                out.topics().add(new CreatableTopicResult().setName(t.name())
                        .setErrorCode(Errors.THROTTLING_QUOTA_EXCEEDED.code())
                        .setErrorMessage(Errors.THROTTLING_QUOTA_EXCEEDED.message()));
                continue;
            }
            Map<Integer, List<Integer>> assignments = new HashMap<>();
            t.assignments().forEach(a -> assignments.put(a.partitionIndex(), a.brokerIds()));
            Map<String, String> configs = new LinkedHashMap<>();
            t.configs().forEach(c -> configs.put(c.name(), c.value()));
            toCreate.add(new CreatableTopic(t.name(), t.numPartitions(), t.replicationFactor(), assignments, configs));
        }
        for (String name : duplicates) {
            out.topics().add(new CreatableTopicResult().setName(name).setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("topic " + name + " appears more than once in the request"));
        }
        if (toCreate.isEmpty()) {
            return CompletableFuture.completedFuture(new CreateTopicsResponse(out.setThrottleTimeMs(quota.throttleTimeMs())));
        }
        return ControllerCalls.bounded(controller.createTopics(toCreate, in.validateOnly()), in.timeoutMs())
                .handle((results, error) -> {
                    if (error != null) {
                        ApiError failure = ControllerCalls.failure(error);
                        for (CreatableTopic t : toCreate) {
                            out.topics().add(new CreatableTopicResult().setName(t.name())
                                    .setErrorCode(failure.error().code()).setErrorMessage(failure.message()));
                        }
                    } else {
                        for (CreateTopicResult r : results) out.topics().add(toResult(r));
                    }
                    return new CreateTopicsResponse(out.setThrottleTimeMs(quota.throttleTimeMs()));
                });
    }

    /** The partitions the topic would add (none if it exists: the controller refuses it), as Kafka counts them. */
    private int newPartitions(CreateTopicsRequestData.CreatableTopic t) {
        if (controller.image().topic(t.name()).isPresent()) return 0;
        if (!t.assignments().isEmpty()) return t.assignments().size();
        return t.numPartitions() == -1 ? controller.config().defaultNumPartitions() : t.numPartitions();
    }

    private static CreatableTopicResult toResult(CreateTopicResult r) {
        CreatableTopicResult result = new CreatableTopicResult().setName(r.name())
                .setErrorCode(ControllerCalls.error(r.status()).code())
                .setErrorMessage(r.status().message());
        if (!r.status().isOk()) return result;
        if (r.topicId() != null) result.setTopicId(Ids.toKafka(r.topicId()));
        result.setNumPartitions(r.numPartitions()).setReplicationFactor((short) r.replicationFactor());
        List<CreatableTopicConfigs> configs = new ArrayList<>();
        TopicConfigs.effective(r.configs()).forEach((name, value) -> configs.add(new CreatableTopicConfigs()
                .setName(name).setValue(value.value()).setReadOnly(false).setIsSensitive(false)
                .setConfigSource((value.isDefault() ? DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG
                        : DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG).id())));
        return result.setConfigs(configs);
    }
}
