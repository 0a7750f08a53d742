package io.weir.broker.node;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code max.connection.creation.rate} (KIP-612): connections opened faster than the node's rate
 * make the listener stop accepting for a while, and every one of them is still served, later.
 */
class ConnectionCreationRateLimitTest {
    @TempDir
    Path dir;
    private WeirNode node;

    @AfterEach
    void stop() {
        if (node != null) node.close();
    }

    @Test
    void connectionsOverTheBrokerWideRateWaitToBeAcceptedAndAreThenServed() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: accept-rate
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                quota.window.num: 2
                quota.window.size.seconds: 1
                max.connection.creation.rate: 1
                """.formatted(dir.resolve("node-1"))));
        node.awaitReady(Duration.ofSeconds(30));
        long pausesBefore = node.kafkaServer().acceptPauses();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", node.kafkaPort()), 10_000);
                socket.setSoTimeout(30_000);
                sockets.add(socket);
            }
            for (Socket socket : sockets) assertThat(answersApiVersions(socket)).isTrue();
        } finally {
            for (Socket socket : sockets) socket.close();
        }
        assertThat(node.kafkaServer().acceptPauses()).as("times the listener stopped accepting")
                .isGreaterThan(pausesBefore);
    }

    private static boolean answersApiVersions(Socket socket) throws Exception {
        ByteBuffer request = new ApiVersionsRequest.Builder().build((short) 3)
                .serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "probe", 1));
        byte[] bytes = new byte[request.remaining()];
        request.get(bytes);
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
        return new DataInputStream(socket.getInputStream()).readInt() > 0;
    }
}
