package io.weir.broker.network;

import io.weir.broker.api.ApiRegistry;
import io.weir.broker.testing.RawKafkaClient;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaServerTest {
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final AtomicInteger listGroupsCalls = new AtomicInteger();
    private KafkaServer server;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        // The first ListGroups completes late; later ones at once: responses must still keep order.
        ApiRegistry registry = ApiRegistry.builder()
                .add(ApiKeys.LIST_GROUPS, 0, 5, (ctx, request) -> {
                    AbstractResponse response = new ListGroupsResponse(new ListGroupsResponseData());
                    if (listGroupsCalls.getAndIncrement() > 0) return CompletableFuture.completedFuture(response);
                    return CompletableFuture.supplyAsync(() -> response,
                            CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
                })
                .build();
        server = new KafkaServer(NetworkConfig.of("127.0.0.1", 0).withMaxRequestBytes(MAX_REQUEST_BYTES), registry);
        server.start();
        address = server.boundAddress();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void apiVersionsAdvertisesExactlyTheRegisteredApis() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(address)) {
            ApiVersionsResponse response = apiVersions(client);
            assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(response.data().apiKeys()).hasSize(2);
            assertThat(response.apiVersion(ApiKeys.LIST_GROUPS.id).maxVersion()).isEqualTo((short) 5);
            assertThat(response.apiVersion(ApiKeys.API_VERSIONS.id).maxVersion())
                    .isEqualTo(ApiKeys.API_VERSIONS.latestVersion());
        }
    }

    @Test
    void newerApiVersionsIsAnsweredWithUnsupportedVersionAndOurRange() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(address, 5_000);
            socket.setSoTimeout(10_000);
            short futureVersion = (short) (ApiKeys.API_VERSIONS.latestVersion() + 1);
            ByteBuffer request = ByteBuffer.allocate(64);
            request.putShort(ApiKeys.API_VERSIONS.id).putShort(futureVersion).putInt(42)
                    .putShort((short) 1).put((byte) 'c').put((byte) 0) // client id, empty tagged fields
                    .put(new byte[] {7, 7, 7}); // a body we cannot know
            request.flip();
            ByteBuffer frame = ByteBuffer.allocate(4 + request.remaining()).putInt(request.remaining()).put(request).flip();
            socket.getOutputStream().write(frame.array());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            ByteBuffer buffer = ByteBuffer.wrap(body);
            assertThat(buffer.getInt()).isEqualTo(42); // v0 response header
            ApiVersionsResponseData data = new ApiVersionsResponseData(new ByteBufferAccessor(buffer), (short) 0);
            assertThat(data.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            assertThat(data.apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion())
                    .isEqualTo(ApiKeys.API_VERSIONS.latestVersion());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(address)) {
            RequestHeader slow = new RequestHeader(ApiKeys.LIST_GROUPS, (short) 4, "c", 1);
            RequestHeader fast = new RequestHeader(ApiKeys.LIST_GROUPS, (short) 4, "c", 2);
            RequestHeader versions = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "c", 3);
            ListGroupsRequest listGroups = new ListGroupsRequest.Builder(new ListGroupsRequestData()).build((short) 4);
            client.send(slow, listGroups);
            client.send(fast, listGroups);
            client.send(versions, new ApiVersionsRequest.Builder().build((short) 3));
            // parseResponse checks that each correlation id matches the expected request.
            assertThat(client.receive(slow)).isInstanceOf(ListGroupsResponse.class);
            assertThat(client.receive(fast)).isInstanceOf(ListGroupsResponse.class);
            assertThat(client.receive(versions)).isInstanceOf(ApiVersionsResponse.class);
        }
    }

    @Test
    void garbageClosesTheConnectionAndTheServerKeepsServing() throws Exception {
        Random random = new Random(20261125L);
        // negative length, huge length, one byte over the limit, zero length
        for (int size : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, MAX_REQUEST_BYTES + 1, 0}) {
            try (RawKafkaClient client = new RawKafkaClient(address)) {
                client.writeRaw(ByteBuffer.allocate(8).putInt(size).putInt(0).flip());
                assertThat(client.closedByServer()).as("size %d", size).isTrue();
            }
        }
        // random frames: a short random header is never a request we know
        for (int i = 0; i < 50; i++) {
            byte[] junk = new byte[1 + random.nextInt(200)];
            random.nextBytes(junk);
            junk[0] = (byte) 0x7f; // api key >= 32512: unknown
            try (RawKafkaClient client = new RawKafkaClient(address)) {
                client.writeFrame(ByteBuffer.wrap(junk));
                assertThat(client.closedByServer()).isTrue();
            }
        }
        // unknown API key, and an unregistered version of a registered API, with valid headers
        ByteBuffer unknownKey = ByteBuffer.allocate(10).putShort((short) 999).putShort((short) 0).putInt(1)
                .putShort((short) -1).flip();
        ByteBuffer unknownVersion = ByteBuffer.allocate(10).putShort(ApiKeys.LIST_GROUPS.id).putShort((short) 99)
                .putInt(1).putShort((short) -1).flip();
        for (ByteBuffer frame : new ByteBuffer[] {unknownKey, unknownVersion}) {
            try (RawKafkaClient client = new RawKafkaClient(address)) {
                client.writeFrame(frame);
                assertThat(client.closedByServer()).isTrue();
            }
        }
        // a valid header with a truncated body
        try (RawKafkaClient client = new RawKafkaClient(address)) {
            ByteBuffer full = new ApiVersionsRequest.Builder().build((short) 3)
                    .serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "client", 1));
            full.limit(full.limit() - 3);
            client.writeFrame(full);
            assertThat(client.closedByServer()).isTrue();
        }
        // a frame cut off by the client going away, many times
        for (int i = 0; i < 20; i++) {
            try (RawKafkaClient client = new RawKafkaClient(address)) {
                client.writeRaw(ByteBuffer.allocate(14).putInt(1000).putLong(random.nextLong()).flip());
            }
        }
        try (RawKafkaClient client = new RawKafkaClient(address)) {
            assertThat(apiVersions(client).data().errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    private static ApiVersionsResponse apiVersions(RawKafkaClient client) throws Exception {
        RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "test", 7);
        return (ApiVersionsResponse) client.roundTrip(header,
                new ApiVersionsRequest(new ApiVersionsRequestData().setClientSoftwareName("weir-test")
                        .setClientSoftwareVersion("1"), (short) 3));
    }
}
