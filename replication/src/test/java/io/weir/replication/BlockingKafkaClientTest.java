package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;

class BlockingKafkaClientTest {
    @Property
    void aFrameIsTheRemainingBytesAfterTheirLength(@ForAll byte[] bytes, @ForAll @IntRange(max = 8) int skip) {
        int from = Math.min(skip, bytes.length);
        ByteBuffer request = ByteBuffer.wrap(bytes, from, bytes.length - from);

        byte[] frame = BlockingKafkaClient.sizePrefixed(request);

        ByteBuffer read = ByteBuffer.wrap(frame);
        assertThat(read.getInt()).isEqualTo(bytes.length - from);
        byte[] body = new byte[read.remaining()];
        read.get(body);
        assertThat(body).isEqualTo(java.util.Arrays.copyOfRange(bytes, from, bytes.length));
        assertThat(request.position()).as("the request is left as it was").isEqualTo(from);
    }

    /** The server dribbles its responses out a byte at a time: the client still reads whole frames. */
    @Test
    void exchangesWholeFramesWithAServerThatAnswersInPieces() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Integer> requestSizes = new ArrayList<>();
            CompletableFuture<Void> broker = CompletableFuture.runAsync(() -> serve(server, requestSizes, 2));
            try (BlockingKafkaClient client = new BlockingKafkaClient(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), "test", 10_000, 1 << 20)) {
                MetadataResponse response = (MetadataResponse) client.send(new MetadataRequest.Builder(
                        new MetadataRequestData().setTopics(List.of())));
                assertThat(response.data().clusterId()).isEqualTo("cluster-of-pieces");
            }
            broker.get(10, TimeUnit.SECONDS);
            assertThat(requestSizes).as("ApiVersions, then Metadata, each a whole frame").hasSize(2);
        }
    }

    @Test
    void refusesAResponseLargerThanItsBound() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> serve(server, new ArrayList<>(), 1));
            try (BlockingKafkaClient client = new BlockingKafkaClient(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), "test", 10_000, 16)) {
                assertThatThrownBy(() -> client.send(new MetadataRequest.Builder(new MetadataRequestData())))
                        .isInstanceOf(IOException.class).hasMessageContaining("refused");
            }
        }
    }

    /** Answers {@code requests} requests on one connection: ApiVersions, then Metadata, written byte by byte. */
    private static void serve(ServerSocket server, List<Integer> requestSizes, int requests) {
        try (Socket s = server.accept()) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < requests; i++) {
                int size = in.readInt();
                byte[] body = new byte[size];
                in.readFully(body);
                requestSizes.add(size);
                RequestHeader header = RequestHeader.parse(ByteBuffer.wrap(body));
                ApiMessage data;
                if (header.apiKey() == ApiKeys.API_VERSIONS) {
                    ApiVersionsResponseData versions = new ApiVersionsResponseData();
                    versions.apiKeys().add(new ApiVersionsResponseData.ApiVersion().setApiKey(ApiKeys.METADATA.id)
                            .setMinVersion((short) 0).setMaxVersion(ApiKeys.METADATA.latestVersion()));
                    data = versions;
                } else {
                    data = new MetadataResponseData().setClusterId("cluster-of-pieces");
                }
                for (byte b : frame(header, data)) {
                    out.write(b);
                    out.flush();
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] frame(RequestHeader request, ApiMessage data) {
        ResponseHeader header = request.toResponseHeader();
        ByteBufferAccessor head = MessageUtil.toByteBufferAccessor(header.data(), header.headerVersion());
        ByteBufferAccessor body = MessageUtil.toByteBufferAccessor(data, request.apiVersion());
        ByteBuffer h = head.buffer();
        ByteBuffer b = body.buffer();
        ByteBuffer all = ByteBuffer.allocate(Integer.BYTES + h.remaining() + b.remaining());
        all.putInt(h.remaining() + b.remaining()).put(h).put(b);
        return all.array();
    }
}
