package io.weir.broker.api;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;

/**
 * Handles one Kafka API. Runs on a request handler thread; must not block on I/O that can take
 * long (return a future that completes later instead). See
 * {@link io.weir.broker.network.RequestDispatcher#dispatch} for the meaning of the result.
 */
@FunctionalInterface
public interface ApiHandler<Q extends AbstractRequest> {
    CompletableFuture<AbstractResponse> handle(RequestContext context, Q request);
}
