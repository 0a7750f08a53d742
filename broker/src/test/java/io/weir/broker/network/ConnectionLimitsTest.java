package io.weir.broker.network;

import io.weir.broker.testing.RawKafkaClient;
import io.weir.broker.testing.TestBroker;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** max.connections.per.ip, the brokers' probation past it, and the request receive timeout, as a client sees them. */
class ConnectionLimitsTest {
    private static final ApiVersionsRequestData API_VERSIONS =
            new ApiVersionsRequestData().setClientSoftwareName("limits").setClientSoftwareVersion("1");

    @TempDir
    Path dir;
    private TestBroker broker;
    private final List<RawKafkaClient> clients = new ArrayList<>();

    private void start(UnaryOperator<NetworkConfig> network) throws Exception {
        broker = new TestBroker(1, dir, network);
    }

    @AfterEach
    void stop() throws Exception {
        for (RawKafkaClient c : clients) c.close();
        if (broker != null) broker.close();
    }

    private RawKafkaClient connect(String from) throws Exception {
        RawKafkaClient client = new RawKafkaClient(broker.server.boundAddress(), InetAddress.getByName(from));
        clients.add(client);
        return client;
    }

    @Test
    void tooManyConnectionsFromOneAddressAreRefusedWhileOthersGetIn() throws Exception {
        start(c -> c.withMaxConnections(1_000, 5));
        for (int i = 0; i < 5; i++) {
            assertThat(answers(connect("127.0.0.1"), "client")).as("connection %d within the limit", i).isTrue();
        }
        RawKafkaClient sixth = connect("127.0.0.1");
        assertThat(answers(sixth, "client")).as("past the limit a client is closed at its first request").isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.server.connectionCount() == 5);
        RawKafkaClient follower = connect("127.0.0.1");
        assertThat(answers(follower, "weir-replica-fetcher-2")).as("a follower still gets in").isTrue();
        assertThat(answers(connect("127.0.0.2"), "client")).as("another address gets in").isTrue();

        // Five within the limit and the follower are open; fill the rest of the head-room.
        for (int i = 0; i < ConnectionQuotas.INTER_BROKER_HEADROOM - 1; i++) connect("127.0.0.1");
        int fromThisAddress = 5 + ConnectionQuotas.INTER_BROKER_HEADROOM;
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.server.connectionCount() == fromThisAddress + 1);
        RawKafkaClient beyondHeadroom = connect("127.0.0.1");
        beyondHeadroom.setSoTimeout(5_000);
        assertThat(beyondHeadroom.closedByServer()).as("beyond the head-room: closed on accept").isTrue();
    }

    @Test
    void aHalfSentRequestIsClosedAfterTheReceiveTimeoutWhileAnIdleConnectionStays() throws Exception {
        start(c -> c.withRequestReceiveTimeoutMs(1_500));
        RawKafkaClient idle = connect("127.0.0.1");
        RawKafkaClient halfSent = connect("127.0.0.1");
        halfSent.writeRaw(ByteBuffer.allocate(4 + 100).putInt(64 * 1024).flip());
        long start = System.nanoTime();
        halfSent.setSoTimeout(10_000);
        assertThat(halfSent.closedByServer()).isTrue();
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(tookMs).isBetween(1_000L, 5_000L);
        assertThat(answers(idle, "client")).as("a connection with nothing half-sent is not closed").isTrue();
        assertThat(broker.server.queuedRequestBytes()).as("the half-sent bytes were given back").isZero();
    }

    @Test
    void anOversizedOrNegativeSizeClosesTheConnectionWithoutBuffering() throws Exception {
        start(c -> c.withMaxRequestBytes(1024 * 1024));
        for (int size : new int[] {Integer.MAX_VALUE, 1024 * 1024 + 1, -1, Integer.MIN_VALUE}) {
            RawKafkaClient client = connect("127.0.0.1");
            client.writeRaw(ByteBuffer.allocate(4 + 16).putInt(size).flip());
            assertThat(client.closedByServer()).as("size %d", size).isTrue();
        }
        assertThat(answers(connect("127.0.0.1"), "client")).isTrue();
        assertThat(broker.server.queuedRequestBytes()).isZero();
    }

    /** Whether an ApiVersions request from {@code clientId} is answered (false when the node closes instead). */
    private static boolean answers(RawKafkaClient client, String clientId) throws Exception {
        RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, clientId, 7);
        try {
            client.sendAs(clientId, ApiKeys.API_VERSIONS, (short) 3, 7, API_VERSIONS);
            return client.receive(header) instanceof ApiVersionsResponse;
        } catch (java.io.IOException closed) {
            return false;
        }
    }
}
