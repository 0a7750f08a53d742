package io.weir.broker.security.acl;

import io.weir.broker.network.RateLimitedLog;
import io.weir.broker.network.RequestDispatcher;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.acl.AclBinding.ResourceType;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Refuses, before any handler, the requests whose principal lacks what {@link ApiAuthorization}
 * says the request needs as a whole, and InitProducerId without Kafka's KIP-679 rights
 * (IDEMPOTENT_WRITE on the cluster or WRITE on some topic; WRITE on the transactional id for a
 * transactional producer). Every refusal is logged at INFO, at most once per API per 10 s.
 * Without an authorizer everything passes.
 */
public final class AuthorizingDispatcher implements RequestDispatcher {
    private static final Logger log = LoggerFactory.getLogger(AuthorizingDispatcher.class);
    private static final RateLimitedLog REFUSALS = new RateLimitedLog(log);

    private final RequestDispatcher next;
    private final Authorization authorization;

    public AuthorizingDispatcher(RequestDispatcher next, Authorization authorization) {
        this.next = next;
        this.authorization = authorization;
    }

    @Override
    public boolean isSupported(ApiKeys apiKey, short version) {
        return next.isSupported(apiKey, version);
    }

    @Override
    public CompletableFuture<AbstractResponse> dispatch(RequestContext context, AbstractRequest request) {
        if (!authorization.enabled()) return next.dispatch(context, request);
        Optional<ApiException> refusal = refusal(context, request);
        if (refusal.isEmpty()) return next.dispatch(context, request);
        REFUSALS.log(Level.INFO, "denied-" + request.apiKey(), "Denied {} to {} from {}: {}", request.apiKey(),
                context.principal(), context.clientAddress().getHostAddress(), refusal.get().getMessage());
        return CompletableFuture.completedFuture(request.getErrorResponse(refusal.get()));
    }

    private Optional<ApiException> refusal(RequestContext context, AbstractRequest request) {
        if (request instanceof InitProducerIdRequest r) return initProducerId(context, r);
        return ApiAuthorization.of(request)
                .filter(c -> !authorization.allowed(context, c.operation(), c.type(), c.name()))
                .map(ApiAuthorization.Check::refusal);
    }

    private Optional<ApiException> initProducerId(RequestContext context, InitProducerIdRequest request) {
        String transactionalId = request.data().transactionalId();
        if (transactionalId != null) {
            return authorization.allowed(context, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId)
                    ? Optional.empty()
                    : Optional.of(new TransactionalIdAuthorizationException("Transactional Id authorization failed."));
        }
        if (authorization.allowedOnCluster(context, Operation.IDEMPOTENT_WRITE)
                || authorization.allowedOnSomeResource(context, Operation.WRITE, ResourceType.TOPIC)) {
            return Optional.empty();
        }
        return Optional.of(new ClusterAuthorizationException(
                "InitProducerId needs IDEMPOTENT_WRITE on the cluster or WRITE on a topic"));
    }
}
