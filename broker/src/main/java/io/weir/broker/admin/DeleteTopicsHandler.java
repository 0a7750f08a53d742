package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.metadata.Ids;
import io.weir.controller.ApiStatus;
import io.weir.controller.QuorumController;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * DeleteTopics through the active controller, by name (all versions) or by topic id (v6+).
 * Logs are deleted by each replica when the topic leaves its metadata image.
 */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequest> {
    private final QuorumController controller;
    private final io.weir.broker.security.acl.Authorization authorization;

    public DeleteTopicsHandler(QuorumController controller) {
        this(controller, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Each topic needs DELETE (TOPIC_AUTHORIZATION_FAILED), as Kafka. */
    public DeleteTopicsHandler(QuorumController controller, io.weir.broker.security.acl.Authorization authorization) {
        this.controller = controller;
        this.authorization = authorization;
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
        CompletableFuture<Map<String, ApiStatus>> byName = names.isEmpty()
                ? CompletableFuture.completedFuture(Map.of()) : controller.deleteTopics(names);
        CompletableFuture<Map<UUID, ApiStatus>> byId = ids.isEmpty()
                ? CompletableFuture.completedFuture(Map.of()) : controller.deleteTopicsById(ids);
        CompletableFuture<Void> both = CompletableFuture.allOf(byName, byId);
        return ControllerCalls.bounded(both, in.timeoutMs()).handle((ignored, error) -> {
            DeleteTopicsResponseData out = new DeleteTopicsResponseData();
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

    private static DeletableTopicResult status(DeletableTopicResult r, ApiError failure, ApiStatus status) {
        if (failure != null) return r.setErrorCode(failure.error().code()).setErrorMessage(failure.message());
        if (status == null) return r.setErrorCode(org.apache.kafka.common.protocol.Errors.UNKNOWN_SERVER_ERROR.code());
        return r.setErrorCode(ControllerCalls.error(status).code()).setErrorMessage(status.message());
    }
}
