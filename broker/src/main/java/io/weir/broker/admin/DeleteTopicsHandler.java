package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.metadata.Ids;
import io.weir.broker.quota.ControllerMutationQuotas;
import io.weir.broker.quota.MutationQuota;
import io.weir.controller.ApiStatus;
import io.weir.controller.QuorumController;
import io.weir.controller.image.TopicImage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * DeleteTopics through the active controller, by name (all versions) or by topic id (v6+).
 * Logs are deleted by each replica when the topic leaves its metadata image. A topic's partitions
 * count against the client's {@code controller_mutation_rate}; from version 5 a client in debt
 * has its topics refused THROTTLING_QUOTA_EXCEEDED (KIP-599).
 */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequest> {
    private final QuorumController controller;
    private static final short STRICT_QUOTA_SINCE = 5;
    private final io.weir.broker.security.acl.Authorization authorization;
    private final ControllerMutationQuotas mutationQuotas;

    public DeleteTopicsHandler(QuorumController controller) {
        this(controller, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Each topic needs DELETE (TOPIC_AUTHORIZATION_FAILED), as Kafka. */
    public DeleteTopicsHandler(QuorumController controller, io.weir.broker.security.acl.Authorization authorization) {
        this(controller, authorization, ControllerMutationQuotas.unbounded());
    }

    public DeleteTopicsHandler(QuorumController controller, io.weir.broker.security.acl.Authorization authorization,
                               ControllerMutationQuotas mutationQuotas) {
        this.controller = controller;
        this.authorization = authorization;
        this.mutationQuotas = mutationQuotas;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DeleteTopicsRequest request) {
        DeleteTopicsRequestData in = request.data();
        List<String> names = new ArrayList<>(in.topicNames());
        List<UUID> ids = new ArrayList<>();
        for (DeleteTopicsRequestData.DeleteTopicState t : in.topics()) {
            if (t.name() != null) names.add(t.name());
            else ids.add(Ids.fromKafka(t.topicId() == null ? Uuid.ZERO_UUID : t.topicId()));
        }
        java.util.function.Predicate<String> deletable = authorization.topics(context,
                io.weir.controller.acl.AclBinding.Operation.DELETE);
        List<DeletableTopicResult> refused = new ArrayList<>();
        names.removeIf(name -> {
            if (deletable.test(name)) return false;
            refused.add(new DeletableTopicResult().setName(name)
                    .setErrorCode(org.apache.kafka.common.protocol.Errors.TOPIC_AUTHORIZATION_FAILED.code()));
            return true;
        });
        io.weir.controller.image.MetadataImage image = controller.image();
        ids.removeIf(id -> {
            String name = image.topic(id).map(io.weir.controller.image.TopicImage::name).orElse(null);
            if (name == null || deletable.test(name)) return false;
            refused.add(new DeletableTopicResult().setName(null).setTopicId(Ids.toKafka(id))
                    .setErrorCode(org.apache.kafka.common.protocol.Errors.TOPIC_AUTHORIZATION_FAILED.code()));
            return true;
        });
        MutationQuota quota = mutationQuotas.forRequest(context.principal.getName(), context.clientId(),
                context.apiVersion() >= STRICT_QUOTA_SINCE);
        names.removeIf(name -> throttled(quota, image.topic(name), refused,
                new DeletableTopicResult().setName(name)));
        ids.removeIf(id -> throttled(quota, image.topic(id), refused,
                new DeletableTopicResult().setName(null).setTopicId(Ids.toKafka(id))));
        CompletableFuture<Map<String, ApiStatus>> byName = names.isEmpty()
                ? CompletableFuture.completedFuture(Map.of()) : controller.deleteTopics(names);
        CompletableFuture<Map<UUID, ApiStatus>> byId = ids.isEmpty()
                ? CompletableFuture.completedFuture(Map.of()) : controller.deleteTopicsById(ids);
        CompletableFuture<Void> both = CompletableFuture.allOf(byName, byId);
        return ControllerCalls.bounded(both, in.timeoutMs()).handle((ignored, error) -> {
            DeleteTopicsResponseData out = new DeleteTopicsResponseData().setThrottleTimeMs(quota.throttleTimeMs());
            out.responses().addAll(refused);
            ApiError failure = error == null ? null : ControllerCalls.failure(error);
            for (String name : names) {
                DeletableTopicResult r = new DeletableTopicResult().setName(name);
                ApiStatus status = failure == null ? byName.join().get(name) : null;
                out.responses().add(status(r, failure, status));
            }
            for (UUID id : ids) {
                DeletableTopicResult r = new DeletableTopicResult().setName(null).setTopicId(Ids.toKafka(id));
                ApiStatus status = failure == null ? byId.join().get(id) : null;
                out.responses().add(status(r, failure, status));
            }
            return new DeleteTopicsResponse(out);
        });
    }

    /** Whether the quota refuses deleting the topic (an unknown topic counts nothing); if so, answers it. */
    private static boolean throttled(MutationQuota quota, Optional<TopicImage> topic, List<DeletableTopicResult> refused,
                                     DeletableTopicResult result) {
        if (quota.tryRecord(topic.map(TopicImage::partitionCount).orElse(0))) return false;
        refused.add(result.setErrorCode(Errors.THROTTLING_QUOTA_EXCEEDED.code())
                .setErrorMessage(Errors.THROTTLING_QUOTA_EXCEEDED.message()));
        return true;
    }

    private static DeletableTopicResult status(DeletableTopicResult r, ApiError failure, ApiStatus status) {
        if (failure != null) return r.setErrorCode(failure.error().code()).setErrorMessage(failure.message());
        if (status == null) return r.setErrorCode(org.apache.kafka.common.protocol.Errors.UNKNOWN_SERVER_ERROR.code());
        return r.setErrorCode(ControllerCalls.error(status).code()).setErrorMessage(status.message());
    }
}
