package io.weir.broker.fetch;

import io.netty.buffer.ByteBuf;
import io.weir.broker.network.ConnectionRequestContext;
import io.weir.broker.network.ResponseMemory;
import io.weir.broker.network.ResponseMemoryCodec;
import io.weir.broker.testing.CountingAllocator;
import io.weir.broker.testing.Images;
import io.weir.broker.testing.TestBroker;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fetch's records are read into its response's pooled direct memory, and every buffer of it is
 * released exactly once on every way a fetch is answered: at once, parked and answered by an
 * append, parked until max.wait with reads that were not enough, within a fetch session. Real
 * storage and the real handler; the connection's part (encode, close the memory, write or drop
 * the frame) is played as {@code KafkaConnection} plays it.
 */
class FetchMemoryOwnershipTest {
    private static final short VERSION = 12; // topic names, sessions
    private static final String TOPIC = "events";

    @TempDir
    Path dataDir;
    private TestBroker broker;
    private FetchHandler handler;
    private final CountingAllocator alloc = new CountingAllocator();

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(1, dataDir);
        broker.metadata.publish(new Images().broker(1, broker.port()).topic(TOPIC, 2, 1).build());
        handler = new FetchHandler(broker.metadata::image, broker.replicas);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void aFetchAnsweredAtOnceCarriesItsRecordsInDirectMemoryFreedWithTheFrame() throws Exception {
        List<String> sent = produce(0, 50);
        ResponseMemory memory = new ResponseMemory(alloc);
        CompletableFuture<AbstractResponse> answer = handler.handle(context(memory, 1),
                fetch(0, 0, 1, 500, 0, 0));
        assertThat(answer).isDone();
        assertThat(alloc.allocated()).as("records read into the response's memory").isPositive();

        ByteBuf frame = encodeAsTheConnectionDoes(memory, 1, answer.get());
        assertThat(frame.isDirect()).as("nothing left for Netty to copy").isTrue();
        assertThat(values(frame)).containsExactlyElementsOf(sent);
        frame.release(); // written
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void aParkedFetchAnsweredByAnAppendFreesEveryRead() throws Exception {
        ResponseMemory memory = new ResponseMemory(alloc);
        CompletableFuture<AbstractResponse> answer = handler.handle(context(memory, 2),
                fetch(0, 0, 1, 60_000, 0, 0));
        assertThat(answer).isNotDone();
        List<String> sent = produce(0, 3);
        await().atMost(30, TimeUnit.SECONDS).until(answer::isDone);

        ByteBuf frame = encodeAsTheConnectionDoes(memory, 2, answer.get());
        // min.bytes 1: the first append may answer it alone.
        List<String> got = values(frame);
        assertThat(got).isNotEmpty();
        assertThat(sent).startsWith(got.toArray(String[]::new));
        frame.release();
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void aFetchParkedUntilMaxWaitFreesTheReadsThatWereNotEnough() throws Exception {
        List<String> sent = produce(1, 20);
        ResponseMemory memory = new ResponseMemory(alloc);
        // min.bytes above what the log holds: the first read is not enough and the fetch parks.
        CompletableFuture<AbstractResponse> answer = handler.handle(context(memory, 3),
                fetch(1, 0, 10 << 20, 300, 0, 0));
        assertThat(answer).isNotDone();
        assertThat(alloc.allocated()).isPositive();
        assertThat(alloc.unreleased()).as("the unanswering first read's memory is freed at once").isZero();
        await().atMost(30, TimeUnit.SECONDS).until(answer::isDone);

        ByteBuf frame = encodeAsTheConnectionDoes(memory, 3, answer.get());
        assertThat(values(frame)).containsExactlyElementsOf(sent);
        frame.release();
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void aParkedFetchWhoseLastReadFindsNoMemoryIsAnsweredWithTheError() throws Exception {
        produce(1, 5);
        ResponseMemory memory = new ResponseMemory(alloc);
        CompletableFuture<AbstractResponse> answer = handler.handle(context(memory, 6),
                fetch(1, 0, 10 << 20, 300, 0, 0));
        assertThat(answer).isNotDone();
        alloc.failAfter(0); // direct memory runs out while it waits
        // Not left unanswered for ever, in front of every later response on its connection.
        await().atMost(30, TimeUnit.SECONDS).until(answer::isDone);
        assertThat(answer).isCompletedExceptionally();
        ResponseMemoryCodec.close(memory); // as the connection does, whatever the answer
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void aResponseDroppedBecauseTheConnectionClosedFreesItsRecords() throws Exception {
        produce(0, 10);
        ResponseMemory memory = new ResponseMemory(alloc);
        CompletableFuture<AbstractResponse> answer = handler.handle(context(memory, 4), fetch(0, 0, 1, 500, 0, 0));
        ByteBuf frame = encodeAsTheConnectionDoes(memory, 4, answer.get());
        frame.release(); // dropped unwritten: the same single release
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void fetchSessionAnswersFreeTheirReadsIncludingPartitionsLeftOut() throws Exception {
        List<String> first = produce(0, 5);
        ResponseMemory memory = new ResponseMemory(alloc);
        FetchRequest request = fetch(0, 0, 1, 500, 0, 0);
        request.data().topics().get(0).partitions().add(new FetchRequestData.FetchPartition().setPartition(1)
                .setFetchOffset(0).setPartitionMaxBytes(1 << 20));
        AbstractResponse full = handler.handle(context(memory, 5), request).get();
        int sessionId = ((org.apache.kafka.common.requests.FetchResponse) full).sessionId();
        assertThat(sessionId).as("a session was created").isNotZero();
        ByteBuf frame = encodeAsTheConnectionDoes(memory, 5, full);
        assertThat(values(frame)).containsExactlyElementsOf(first);
        frame.release();

        // Incremental: names the partition with its new position; partition 1 stays in the session unnamed.
        List<String> more = produce(0, 4);
        ResponseMemory next = new ResponseMemory(alloc);
        AbstractResponse answer = handler.handle(context(next, 6), fetch(0, first.size(), 1, 500, sessionId, 1)).get();
        ByteBuf second = encodeAsTheConnectionDoes(next, 6, answer);
        assertThat(values(second)).containsExactlyElementsOf(more);
        second.release();
        assertThat(alloc.unreleased()).isZero();
    }

    private ByteBuf encodeAsTheConnectionDoes(ResponseMemory memory, int correlationId, AbstractResponse response) {
        try {
            return ResponseMemoryCodec.encode(alloc, header(correlationId), response, memory);
        } finally {
            ResponseMemoryCodec.close(memory);
        }
    }

    private static List<String> values(ByteBuf frame) {
        FetchResponseData data = ResponseMemoryCodec.parseFetch(frame, VERSION);
        List<String> values = new ArrayList<>();
        for (FetchResponseData.FetchableTopicResponse topic : data.responses()) {
            for (FetchResponseData.PartitionData p : topic.partitions()) {
                ((MemoryRecords) p.records()).batches().forEach(batch -> {
                    for (Record r : batch) values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                });
            }
        }
        return values;
    }

    private static FetchRequest fetch(int partition, long offset, int minBytes, int maxWaitMs, int sessionId,
                                      int sessionEpoch) {
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(minBytes)
                .setMaxBytes(1 << 20).setSessionId(sessionId).setSessionEpoch(sessionEpoch);
        data.topics().add(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(new ArrayList<>(List.of(
                new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset)
                        .setPartitionMaxBytes(1 << 20)))));
        return new FetchRequest(data, VERSION);
    }

    private static RequestHeader header(int correlationId) {
        return new RequestHeader(ApiKeys.FETCH, VERSION, "ownership", correlationId);
    }

    private static ConnectionRequestContext context(ResponseMemory memory, int correlationId) {
        return new ConnectionRequestContext(header(correlationId), "test-connection", InetAddress.getLoopbackAddress(),
                1, KafkaPrincipal.ANONYMOUS, ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT),
                SecurityProtocol.PLAINTEXT, memory);
    }

    private List<String> produce(int partition, int count) throws Exception {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false", ProducerConfig.ACKS_CONFIG, "1"));
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < count; i++) {
                String value = "p" + partition + "-" + System.nanoTime() + "-" + i;
                sent.add(value);
                producer.send(new ProducerRecord<>(TOPIC, partition, null, value)).get(15, TimeUnit.SECONDS);
            }
        }
        return sent;
    }
}
