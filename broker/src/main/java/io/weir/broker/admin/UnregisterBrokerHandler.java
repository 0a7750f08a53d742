package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.controller.QuorumController;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.UnregisterBrokerResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.UnregisterBrokerRequest;
import org.apache.kafka.common.requests.UnregisterBrokerResponse;

/**
 * UnregisterBroker (Kafka's {@code Admin.unregisterBroker}, KIP-500): removes a decommissioned
 * broker's registration, fencing it first if it is live (its leaderships move), and its
 * dynamic broker configs. A broker that is still running registers again with its next
 * heartbeat, so stop it first. Non-active nodes forward to the active controller.
 * BROKER_ID_NOT_REGISTERED for an unknown id.
 */
public final class UnregisterBrokerHandler implements ApiHandler<UnregisterBrokerRequest> {
    private static final int TIMEOUT_MS = 30_000;

    private final QuorumController controller;
    private final ControllerForwarder forwarder;

    public UnregisterBrokerHandler(QuorumController controller, ControllerForwarder forwarder) {
        this.controller = controller;
        this.forwarder = forwarder;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, UnregisterBrokerRequest request) {
        int brokerId = request.data().brokerId();
        if (!controller.isActive()) {
            return forwarder.forwardOr(new UnregisterBrokerRequest.Builder(request.data().duplicate()),
                    () -> CompletableFuture.completedFuture(
                            respond(new ApiError(Errors.NOT_CONTROLLER, "no active controller reachable"))));
        }
        return ControllerCalls.bounded(controller.unregisterBroker(brokerId), TIMEOUT_MS).handle((status, error) -> {
            if (error != null) return respond(ControllerCalls.failure(error));
            return respond(new ApiError(ControllerCalls.error(status), status.message()));
        });
    }

    private static AbstractResponse respond(ApiError error) {
        return new UnregisterBrokerResponse(new UnregisterBrokerResponseData().setErrorCode(error.error().code())
                .setErrorMessage(error.error() == Errors.NONE ? null : error.message()));
    }
}
