package io.weir.broker.network;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;

/**
 * What the network layer hands decoded requests to. The network layer owns framing, parsing,
 * threading and response order; the dispatcher owns meaning.
 */
public interface RequestDispatcher {

    /** Whether requests of this API and version are implemented (and advertised by ApiVersions). */
    boolean isSupported(ApiKeys apiKey, short version);

    /**
     * Handles one request on a handler thread. Requests of one connection are dispatched one at
     * a time in arrival order, so a handler that appends (Produce) sees them in the client's
     * order; the returned future may complete later (long-poll Fetch) and responses are still
     * written in request order.
     *
     * <p>The future completes with the response, with {@code null} when the request gets no
     * response (Produce with acks=0), or exceptionally: with {@link CloseConnectionException} to
     * close the connection, otherwise with an error that is answered through
     * {@link AbstractRequest#getErrorResponse(Throwable)}.
     */
    CompletableFuture<AbstractResponse> dispatch(RequestContext context, AbstractRequest request);
}
