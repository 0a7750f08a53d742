package io.weir.broker.quota;

import io.weir.broker.api.ApiHandler;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * Client quotas on the Produce and Fetch handlers, as Kafka applies them: the produced bytes of
 * a request, or the bytes a consumer's fetch returns, are counted against the client's quota,
 * and a client over it gets {@code throttle_time_ms} in its answer, which Kafka's clients (since
 * KIP-219) wait out before sending again; the connection is also not read for that long
 * ({@code KafkaConnection}), for clients that do not. A throttled fetch is answered empty and its
 * bytes are not counted, and a fetch returns at most what the quota allows over its window, as in
 * Kafka. Replica fetches are never throttled. acks=0 produce has no
 * answer to carry a throttle time; its bytes still count.
 */
public final class QuotaEnforcement {
    private QuotaEnforcement() {
    }

    public static ApiHandler<ProduceRequest> produce(ClientQuotas quotas, ApiHandler<ProduceRequest> handler) {
        return (context, request) -> {
            long bytes = producedBytes(request);
            CompletableFuture<AbstractResponse> answer = handler.handle(context, request);
            long throttle = quotas.recordProduce(user(context), context.clientId(), bytes);
            if (throttle <= 0) return answer;
            return answer.thenApply(response -> {
                if (response instanceof ProduceResponse produced) {
                    produced.data().setThrottleTimeMs(clamp(throttle));
                }
                return response;
            });
        };
    }

    /**
     * A consumer fetch over its byte rate is answered empty with its throttle time and session id 0,
     * as Kafka does; the fetch session the handler created or advanced for it is dropped through
     * {@code forgetSession}, since the client never learns of it and starts a new one.
     */
    public static ApiHandler<FetchRequest> fetch(ClientQuotas quotas, IntConsumer forgetSession,
                                                 ApiHandler<FetchRequest> handler) {
        return (context, request) -> {
            if (request.isFromFollower()) return handler.handle(context, request);
            String user = user(context);
            long cap = quotas.maxFetchBytes(user, context.clientId());
            if (cap < request.maxBytes()) request.data().setMaxBytes((int) Math.max(1, cap));
            CompletableFuture<AbstractResponse> answer = handler.handle(context, request);
            return answer.thenApply(response -> {
                if (!(response instanceof FetchResponse fetched)) return response;
                long bytes = fetchedBytes(fetched.data());
                long throttle = quotas.recordFetch(user, context.clientId(), bytes);
                if (throttle <= 0) return response;
                quotas.unrecordFetch(user, context.clientId(), bytes);
                int session = fetched.data().sessionId();
                if (session != FetchMetadata.INVALID_SESSION_ID) forgetSession.accept(session);
                return FetchResponse.of(new FetchResponseData().setErrorCode(Errors.NONE.code())
                        .setThrottleTimeMs(clamp(throttle)).setSessionId(FetchMetadata.INVALID_SESSION_ID));
            });
        };
    }

    private static String user(RequestContext context) {
        return context.principal.getName();
    }

    private static long producedBytes(ProduceRequest request) {
        long bytes = 0;
        for (ProduceRequestData.TopicProduceData topic : request.data().topicData()) {
            for (ProduceRequestData.PartitionProduceData p : topic.partitionData()) {
                if (p.records() != null) bytes += p.records().sizeInBytes();
            }
        }
        return bytes;
    }

    private static long fetchedBytes(FetchResponseData data) {
        long bytes = 0;
        for (FetchResponseData.FetchableTopicResponse topic : data.responses()) {
            for (FetchResponseData.PartitionData p : topic.partitions()) {
                bytes += FetchResponse.recordsSize(p);
            }
        }
        return bytes;
    }

    private static int clamp(long ms) {
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }
}
