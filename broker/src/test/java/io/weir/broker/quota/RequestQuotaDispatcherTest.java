package io.weir.broker.quota;

import io.weir.broker.network.RequestDispatcher;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.quota.ClientQuotaControlManager;
import io.weir.controller.quota.ClientQuotaEntity;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RequestQuotaDispatcherTest {
    private static final long MS = 1_000_000L;
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicLong millis = new AtomicLong(1_000);
    /** Each request takes {@code handlerMs} of the handler's time; Fetch answers carry {@code handlerThrottleMs}. */
    private long handlerMs = 0;
    private int handlerThrottleMs = 0;

    private final RequestDispatcher handler = new RequestDispatcher() {
        @Override
        public boolean isSupported(ApiKeys apiKey, short version) {
            return true;
        }

        @Override
        public CompletableFuture<AbstractResponse> dispatch(RequestContext context, AbstractRequest request) {
            nanos.addAndGet(handlerMs * MS);
            if (request instanceof FetchRequest) {
                return CompletableFuture.completedFuture(FetchResponse.of(
                        new org.apache.kafka.common.message.FetchResponseData().setThrottleTimeMs(handlerThrottleMs)));
            }
            return CompletableFuture.completedFuture(new MetadataResponse(new MetadataResponseData(), (short) 12));
        }
    };

    /** 10 % of a thread for {@code busy}: with 2 samples of 1 s, 100 ms of credit, throttles of at most 1 s. */
    private RequestQuotaDispatcher dispatcher() {
        MetadataImage image = MetadataImage.EMPTY.apply(0, new ClientQuotaControlManager().alterClientQuotas(
                MetadataImage.EMPTY, List.of(new ClientQuotaControlManager.Alteration(
                        ClientQuotaEntity.of(null, false, "busy", true),
                        Map.of(ClientQuotaControlManager.REQUEST_PERCENTAGE, 10.0))), false).records());
        return new RequestQuotaDispatcher(handler, new ClientQuotas(() -> image, 2, 1, millis::get), nanos::get);
    }

    @Test
    void aClientOverItsShareOfAThreadIsThrottledAndOthersAreNot() {
        RequestQuotaDispatcher dispatcher = dispatcher();
        handlerMs = 60;
        assertThat(throttle(dispatcher, metadata("busy"))).as("60 of 100 ms of credit").isZero();
        assertThat(throttle(dispatcher, metadata("busy"))).as("20 ms of a thread in debt at 10 %/s").isEqualTo(200);
        handlerMs = 500;
        assertThat(throttle(dispatcher, metadata("busy"))).as("at most one sample, as Kafka").isEqualTo(1_000);
        assertThat(throttle(dispatcher, metadata("idle"))).as("no quota").isZero();
    }

    @Test
    void aLargerThrottleOfTheHandlerIsKeptAndMembersAreExempt() {
        RequestQuotaDispatcher dispatcher = dispatcher();
        handlerMs = 200;
        handlerThrottleMs = 5_000;
        assertThat(throttle(dispatcher, fetch("busy", -1))).isEqualTo(5_000);
        handlerThrottleMs = 0;
        assertThat(throttle(dispatcher, fetch("busy", 2))).as("a replica's fetch").isZero();
        assertThat(throttle(dispatcher, fetch("busy", -1))).isPositive();
    }

    private int throttle(RequestQuotaDispatcher dispatcher, RequestContextAndRequest r) {
        return dispatcher.dispatch(r.context(), r.request()).join().throttleTimeMs();
    }

    private record RequestContextAndRequest(RequestContext context, AbstractRequest request) {
    }

    private static RequestContextAndRequest metadata(String clientId) {
        MetadataRequest request = new MetadataRequest(new MetadataRequestData(), (short) 12);
        return new RequestContextAndRequest(context(ApiKeys.METADATA, (short) 12, clientId), request);
    }

    private static RequestContextAndRequest fetch(String clientId, int replicaId) {
        FetchRequest request = new FetchRequest(new FetchRequestData().setReplicaId(replicaId)
                .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(replicaId)), (short) 13);
        return new RequestContextAndRequest(context(ApiKeys.FETCH, (short) 13, clientId), request);
    }

    private static RequestContext context(ApiKeys api, short version, String clientId) {
        return new RequestContext(new RequestHeader(api, version, clientId, 1), "c1", InetAddress.getLoopbackAddress(),
                KafkaPrincipal.ANONYMOUS, ListenerName.normalised("PLAINTEXT"), SecurityProtocol.PLAINTEXT,
                ClientInformation.EMPTY, false);
    }
}
