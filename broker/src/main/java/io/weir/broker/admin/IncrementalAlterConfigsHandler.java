package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.controller.ApiStatus;
import io.weir.controller.QuorumController;
import io.weir.controller.config.AlterConfigOp;
import io.weir.controller.config.ConfigControlManager;
import io.weir.controller.record.ConfigResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * IncrementalAlterConfigs through the active controller, for topic, broker and cluster
 * resources. Unknown resource types and operations are answered per resource. Deleting broker
 * or cluster configs, none of which can be set, succeeds on any node without the controller.
 */
public final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequest> {
    private static final int REQUEST_TIMEOUT_MS = 30_000;

    private final QuorumController controller;
    private final ControllerForwarder forwarder;
    private final io.weir.broker.security.acl.Authorization authorization;

    /** @param forwarder sends topic and cluster config changes this node receives while not active to the active controller */
    public IncrementalAlterConfigsHandler(QuorumController controller, ControllerForwarder forwarder) {
        this(controller, forwarder, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Each resource needs ALTER_CONFIGS on the topic, or on the cluster for brokers, as Kafka. */
    public IncrementalAlterConfigsHandler(QuorumController controller, ControllerForwarder forwarder,
                                          io.weir.broker.security.acl.Authorization authorization) {
        this.authorization = authorization;
        this.controller = controller;
        this.forwarder = forwarder;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, IncrementalAlterConfigsRequest request) {
        // Authorized here, before forwarding: the active controller sees the forwarding node, not the client.
        List<AlterConfigsResourceResponse> refused = new ArrayList<>();
        IncrementalAlterConfigsRequestData in = request.data().duplicate();
        in.resources().removeIf(r -> {
            Optional<Errors> refusal = ConfigResources.refusal(authorization, context, r.resourceType(), r.resourceName(),
                    io.weir.controller.acl.AclBinding.Operation.ALTER_CONFIGS);
            refusal.ifPresent(e -> refused.add(new AlterConfigsResourceResponse().setResourceType(r.resourceType())
                    .setResourceName(r.resourceName()).setErrorCode(e.code()).setErrorMessage(e.message())));
            return refusal.isPresent();
        });
        return unrefused(in).thenApply(response -> {
            if (refused.isEmpty()) return response;
            ((IncrementalAlterConfigsResponse) response).data().responses().addAll(refused);
            return response;
        });
    }

    private CompletableFuture<AbstractResponse> unrefused(IncrementalAlterConfigsRequestData in) {
        if (in.resources().isEmpty()) {
            return CompletableFuture.completedFuture(new IncrementalAlterConfigsResponse(new IncrementalAlterConfigsResponseData()));
        }
        if (!controller.isActive() && in.resources().stream().anyMatch(r -> !deletesOnlyBrokerConfigs(r))) {
            return forwarder.forwardOr(new IncrementalAlterConfigsRequest.Builder(in.duplicate()), () -> local(in));
        }
        return local(in);
    }

    /** Deleting broker configs is answered by the broker addressed (see below), never forwarded. */
    private static boolean deletesOnlyBrokerConfigs(IncrementalAlterConfigsRequestData.AlterConfigsResource r) {
        return r.resourceType() == ConfigResource.Type.BROKER.code() && r.resourceName() != null
                && !r.resourceName().isEmpty() && r.configs().stream()
                .allMatch(c -> c.configOperation() == AlterConfigOp.OpType.DELETE.code()
                        && !c.name().equals(ConfigControlManager.BROKER_DRAINING));
    }

    private CompletableFuture<AbstractResponse> local(IncrementalAlterConfigsRequestData in) {
        IncrementalAlterConfigsResponseData out = new IncrementalAlterConfigsResponseData();
        Map<ConfigResource, List<AlterConfigOp>> changes = new LinkedHashMap<>();
        Map<ConfigResource, AlterConfigsResourceResponse> wire = new LinkedHashMap<>();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource r : in.resources()) {
            Optional<ConfigResource> maybeResource = ConfigResources.resource(r.resourceType(), r.resourceName());
            AlterConfigsResourceResponse response = new AlterConfigsResourceResponse()
                    .setResourceType(r.resourceType()).setResourceName(r.resourceName());
            if (maybeResource.isEmpty()) {
                out.responses().add(response.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("unsupported resource type " + r.resourceType()));
                continue;
            }
            ConfigResource resource = maybeResource.get();
            if (changes.containsKey(resource)) {
                out.responses().add(response.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("duplicate resource in request"));
                continue;
            }
            List<AlterConfigOp> ops = new ArrayList<>();
            String badOp = null;
            for (IncrementalAlterConfigsRequestData.AlterableConfig c : r.configs()) {
                Optional<AlterConfigOp.OpType> op = ConfigResources.op(c.configOperation());
                if (op.isEmpty()) {
                    badOp = "unknown config operation " + c.configOperation();
                    break;
                }
                ops.add(new AlterConfigOp(c.name(), op.get(), c.value()));
            }
            if (badOp != null) {
                out.responses().add(response.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(badOp));
                continue;
            }
            if (resource.type() != ConfigResource.Type.TOPIC
                    && ops.stream().allMatch(op -> op.op() == AlterConfigOp.OpType.DELETE
                            && !op.name().equals(ConfigControlManager.BROKER_DRAINING))) {
                // No broker or cluster config but broker.draining can be set, so there is nothing to delete. Answered
                // here: the admin client sends a broker's configs to that broker, not to the
                // controller (Kafka's reassignment tool clears throttles on every broker this way).
                out.responses().add(response.setErrorCode(Errors.NONE.code()));
                continue;
            }
            changes.put(resource, ops);
            wire.put(resource, response);
        }
        if (changes.isEmpty()) return CompletableFuture.completedFuture(new IncrementalAlterConfigsResponse(out));
        return ControllerCalls.bounded(controller.incrementalAlterConfigs(changes, in.validateOnly()), REQUEST_TIMEOUT_MS)
                .handle((results, error) -> {
                    ApiError failure = error == null ? null : ControllerCalls.failure(error);
                    for (ConfigResource resource : changes.keySet()) {
                        AlterConfigsResourceResponse r = wire.get(resource);
                        if (failure != null) {
                            r.setErrorCode(failure.error().code()).setErrorMessage(failure.message());
                        } else {
                            ApiStatus status = results.get(resource);
                            if (status == null) r.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code());
                            else r.setErrorCode(ControllerCalls.error(status).code()).setErrorMessage(status.message());
                        }
                        out.responses().add(r);
                    }
                    return new IncrementalAlterConfigsResponse(out);
                });
    }
}
