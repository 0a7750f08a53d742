package io.weir.broker.network;

import io.weir.broker.api.ApiRegistry;
import io.weir.broker.testing.RawKafkaClient;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that pipelines requests with large answers and never reads them must not make the
 * node buffer every answer: the connection handles no further request, and is not read, while
 * its unsent responses exceed Netty's write-buffer high-water mark (Kafka mutes such a channel
 * until its response is sent), even when all its requests came in one socket read.
 */
class UnreadResponsesTest {
    private static final int REQUESTS = 400;
    /** About 1 MiB per answer: the kernel's socket buffers hold only a handful. */
    private static final ListGroupsResponse BIG_ANSWER = bigAnswer(1_000, 1_000);

    @Test
    void aClientThatDoesNotReadStopsBeingReadAndGetsEveryAnswerOnceItReads() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        ApiRegistry registry = ApiRegistry.builder()
                .add(ApiKeys.LIST_GROUPS, 0, 5, (ctx, request) -> {
                    handled.incrementAndGet();
                    return CompletableFuture.completedFuture(BIG_ANSWER);
                })
                .build();
        try (KafkaServer server = new KafkaServer(NetworkConfig.of("127.0.0.1", 0), registry)) {
            server.start();
            try (RawKafkaClient client = new RawKafkaClient(server.boundAddress())) {
                // All requests in one write, so they can arrive in one socket read: reading no
                // further must not be the only bound.
                RequestHeader[] headers = new RequestHeader[REQUESTS];
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                for (int i = 0; i < REQUESTS; i++) {
                    headers[i] = new RequestHeader(ApiKeys.LIST_GROUPS, (short) 4, "unread", i);
                    java.nio.ByteBuffer frame = new ListGroupsRequest.Builder(new ListGroupsRequestData()).build((short) 4)
                            .serializeWithHeader(headers[i]);
                    all.write(frame.remaining() >>> 24);
                    all.write(frame.remaining() >>> 16);
                    all.write(frame.remaining() >>> 8);
                    all.write(frame.remaining());
                    all.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
                }
                client.writeRaw(java.nio.ByteBuffer.wrap(all.toByteArray()));
                // Without the bound every request would be answered into memory within moments.
                await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4))
                        .until(() -> handled.get() > 0);
                int whileUnread = handled.get();
                assertThat(whileUnread).as("requests handled while the client read nothing")
                        .isLessThan(REQUESTS / 2);

                client.setSoTimeout(30_000);
                for (int i = 0; i < REQUESTS; i++) {
                    ListGroupsResponse answer = (ListGroupsResponse) client.receive(headers[i]);
                    assertThat(answer.data().groups()).hasSize(BIG_ANSWER.data().groups().size());
                }
                assertThat(handled.get()).isEqualTo(REQUESTS);
            }
        }
    }

    private static ListGroupsResponse bigAnswer(int groups, int nameLength) {
        ListGroupsResponseData data = new ListGroupsResponseData();
        for (int i = 0; i < groups; i++) {
            String id = String.format("%0" + nameLength + "d", i);
            data.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(id).setProtocolType("consumer"));
        }
        return new ListGroupsResponse(data);
    }
}
