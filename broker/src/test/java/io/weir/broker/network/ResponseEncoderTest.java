package io.weir.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The zero-copy encoder must write exactly Kafka's bytes: every API's response goes through it.
 * Each case encodes a response both ways, Kafka's {@code RequestUtils.serialize} behind a size
 * prefix and {@link ResponseEncoder}, and compares them byte for byte.
 */
class ResponseEncoderTest {
    private static final ByteBufAllocator ALLOC = new PooledByteBufAllocator(true);

    /** A fetch response as a broker would answer it in one version. */
    record FetchCase(short version, FetchResponseData body) {
    }

    @Property(tries = 200)
    void fetchResponsesEncodeAsKafkaDoes(@ForAll("fetches") FetchCase fetch, @ForAll int correlationId) {
        FetchResponseData body = fetch.body();
        short headerVersion = ApiKeys.FETCH.responseHeaderVersion(fetch.version());
        ByteBuf frame = encodeAndCompare(correlationId, headerVersion, body, fetch.version());
        int recordsFields = 0;
        for (FetchResponseData.FetchableTopicResponse t : body.responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                if (p.records() != null && p.records().sizeInBytes() > 0) recordsFields++;
            }
        }
        // every records field is its own part: none was copied into the fixed fields' buffer
        assertThat(((CompositeByteBuf) frame).numComponents()).isGreaterThan(recordsFields);
        assertThat(frame.release()).as("one release frees the frame and every part").isTrue();
    }

    @Test
    void apiVersionsMetadataAndSaslResponsesEncodeAsKafkaDoes() {
        ApiVersionsResponseData versions = new ApiVersionsResponseData().setErrorCode(Errors.NONE.code());
        versions.apiKeys().add(new ApiVersionsResponseData.ApiVersion().setApiKey((short) 1).setMinVersion((short) 4)
                .setMaxVersion((short) 17));
        for (short v = 0; v <= ApiKeys.API_VERSIONS.latestVersion(); v++) {
            encodeAndCompare(7, ApiKeys.API_VERSIONS.responseHeaderVersion(v), versions, v).release();
        }
        MetadataResponseData metadata = new MetadataResponseData().setClusterId("weir").setControllerId(1);
        metadata.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(1).setHost("127.0.0.1")
                .setPort(9092));
        metadata.topics().add(new MetadataResponseData.MetadataResponseTopic().setName("t").setTopicId(Uuid.randomUuid()));
        for (short v = ApiKeys.METADATA.oldestVersion(); v <= ApiKeys.METADATA.latestVersion(); v++) {
            encodeAndCompare(8, ApiKeys.METADATA.responseHeaderVersion(v), metadata, v).release();
        }
        SaslAuthenticateResponseData sasl = new SaslAuthenticateResponseData()
                .setAuthBytes("challenge".getBytes(StandardCharsets.UTF_8)).setSessionLifetimeMs(1000);
        for (short v = 0; v <= ApiKeys.SASL_AUTHENTICATE.latestVersion(); v++) {
            encodeAndCompare(9, ApiKeys.SASL_AUTHENTICATE.responseHeaderVersion(v), sasl, v).release();
        }
    }

    @Test
    void anUnsupportedApiVersionsRequestIsAnsweredInVersionZero() {
        // Kafka answers ApiVersions of a version it does not know in v0 (header v0), so older
        // clients can read the answer; the encoder takes the version from the request context.
        RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, Short.MAX_VALUE, "client", 42);
        RequestContext context = new RequestContext(header, "c", InetAddress.getLoopbackAddress(), Optional.empty(),
                KafkaPrincipal.ANONYMOUS, ListenerName.normalised("PLAINTEXT"), SecurityProtocol.PLAINTEXT,
                ClientInformation.EMPTY, false);
        ApiVersionsResponse response = new ApiVersionsResponse(new ApiVersionsResponseData()
                .setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
        ByteBuf frame = ResponseEncoder.encode(ALLOC, context, response);
        byte[] expected = framed(context.buildResponseEnvelopePayload(response));
        assertThat(bytes(frame)).isEqualTo(expected);
        frame.release();
    }

    private static ByteBuf encodeAndCompare(int correlationId, short headerVersion, Message body, short version) {
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        byte[] expected = framed(RequestUtils.serialize(header, headerVersion, body, version));
        ByteBuf frame = ResponseEncoder.encode(ALLOC, header, headerVersion, body, version);
        assertThat(bytes(frame)).isEqualTo(expected);
        return frame;
    }

    private static byte[] framed(ByteBuffer payload) {
        ByteBuffer framed = ByteBuffer.allocate(Integer.BYTES + payload.remaining());
        framed.putInt(payload.remaining()).put(payload.duplicate()).flip();
        return framed.array();
    }

    private static byte[] bytes(ByteBuf frame) {
        byte[] out = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), out);
        return out;
    }

    @Provide
    Arbitrary<FetchCase> fetches() {
        return Arbitraries.shorts().between(ApiKeys.FETCH.oldestVersion(), ApiKeys.FETCH.latestVersion())
                .flatMap(version -> fetchBody(version).map(body -> new FetchCase(version, body)));
    }

    /** Only the fields {@code version} has (Kafka refuses to write others). */
    private static Arbitrary<FetchResponseData> fetchBody(short version) {
        Arbitrary<FetchResponseData.PartitionData> partition = Combinators.combine(
                Arbitraries.integers().between(0, 1000),
                Arbitraries.of(Errors.NONE, Errors.NOT_LEADER_OR_FOLLOWER, Errors.OFFSET_OUT_OF_RANGE),
                Arbitraries.longs().between(0, Long.MAX_VALUE / 2),
                records()).as((index, error, hw, records) -> new FetchResponseData.PartitionData()
                .setPartitionIndex(index).setErrorCode(error.code()).setHighWatermark(hw).setLastStableOffset(hw)
                .setLogStartOffset(version >= 5 ? 0 : -1).setRecords(records));
        Arbitrary<FetchResponseData.FetchableTopicResponse> topic = Combinators.combine(
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(20),
                partition.list().ofMaxSize(5)).as((name, partitions) -> new FetchResponseData.FetchableTopicResponse()
                .setTopic(version <= 12 ? name : "").setTopicId(version >= 13 ? Uuid.randomUuid() : Uuid.ZERO_UUID)
                .setPartitions(new ArrayList<>(partitions)));
        return Combinators.combine(topic.list().ofMaxSize(4), Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, Integer.MAX_VALUE)).as((topics, throttle, session) ->
                new FetchResponseData().setThrottleTimeMs(throttle).setSessionId(version >= 7 ? session : 0)
                        .setResponses(new ArrayList<>(topics)));
    }

    /** Empty, heap and direct records (the storage hands out either), of a few batches. */
    private static Arbitrary<MemoryRecords> records() {
        Arbitrary<MemoryRecords> some = Combinators.combine(Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(0, 2000), Arbitraries.of(true, false)).as((batches, valueBytes, direct) -> {
            List<ByteBuffer> parts = new ArrayList<>();
            int total = 0;
            for (int b = 0; b < batches; b++) {
                ByteBuffer batch = MemoryRecords.withRecords(b * 10L, Compression.NONE,
                        new SimpleRecord(("k" + b).getBytes(StandardCharsets.UTF_8), new byte[valueBytes])).buffer();
                parts.add(batch);
                total += batch.remaining();
            }
            ByteBuffer all = direct ? ByteBuffer.allocateDirect(total) : ByteBuffer.allocate(total);
            for (ByteBuffer part : parts) all.put(part);
            all.flip();
            return MemoryRecords.readableRecords(all);
        });
        return Arbitraries.oneOf(Arbitraries.just(MemoryRecords.EMPTY), some);
    }
}
