package io.weir.broker.node;

import io.weir.broker.network.CloseConnectionException;
import io.weir.broker.network.RequestDispatcher;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;

/**
 * Lets the listener bind before the handlers exist (the controller endpoint published to the
 * quorum is the bound port). Until {@link #set} is called every request closes its connection,
 * and clients retry.
 */
final class DelegatingDispatcher implements RequestDispatcher {
    private volatile RequestDispatcher target;

    void set(RequestDispatcher dispatcher) {
        target = dispatcher;
    }

    @Override
    public boolean isSupported(ApiKeys apiKey, short version) {
        RequestDispatcher t = target;
        return t != null && t.isSupported(apiKey, version);
    }

    @Override
    public CompletableFuture<AbstractResponse> dispatch(RequestContext context, AbstractRequest request) {
        RequestDispatcher t = target;
        if (t == null) return CompletableFuture.failedFuture(new CloseConnectionException("node is starting"));
        return t.dispatch(context, request);
    }
}
