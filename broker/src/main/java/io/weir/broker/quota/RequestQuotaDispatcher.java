package io.weir.broker.quota;

import io.weir.broker.network.RequestDispatcher;
import io.weir.broker.security.ClusterActionGuard;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * {@code request_percentage} quotas (KIP-124) around every request: the time the handler thread
 * spends dispatching a client's request is counted against the client's share of a thread, and
 * a client over it gets {@code throttle_time_ms} in its answer (the larger of this and any byte
 * or mutation throttle the handler set, as Kafka), so the connection is not read for that long.
 * Cluster members' requests (replica fetches, broker heartbeats, AlterPartition ...) are exempt,
 * as Kafka exempts ClusterAction requests. The time counted is the handler's own, not that of a
 * partition's writer or of encoding the answer, which Kafka's request and network thread times
 * would include.
 */
public final class RequestQuotaDispatcher implements RequestDispatcher {
    private final RequestDispatcher next;
    private final ClientQuotas quotas;
    private final LongSupplier nanoClock;

    public RequestQuotaDispatcher(RequestDispatcher next, ClientQuotas quotas, LongSupplier nanoClock) {
        this.next = next;
        this.quotas = quotas;
        this.nanoClock = nanoClock;
    }

    public RequestQuotaDispatcher(RequestDispatcher next, ClientQuotas quotas) {
        this(next, quotas, System::nanoTime);
    }

    @Override
    public boolean isSupported(ApiKeys apiKey, short version) {
        return next.isSupported(apiKey, version);
    }

    @Override
    public CompletableFuture<AbstractResponse> dispatch(RequestContext context, AbstractRequest request) {
        if (ClusterActionGuard.actingNode(request).isPresent()) return next.dispatch(context, request);
        long start = nanoClock.getAsLong();
        CompletableFuture<AbstractResponse> answer = next.dispatch(context, request);
        long throttle = quotas.recordRequestTime(context.principal.getName(), context.clientId(),
                nanoClock.getAsLong() - start);
        if (throttle <= 0) return answer;
        int ms = (int) Math.min(Integer.MAX_VALUE, throttle);
        return answer.thenApply(response -> {
            if (response != null && response.throttleTimeMs() < ms) response.maybeSetThrottleTimeMs(ms);
            return response;
        });
    }
}
