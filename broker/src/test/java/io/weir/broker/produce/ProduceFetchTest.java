package io.weir.broker.produce;

import io.weir.broker.testing.Images;
import io.weir.broker.testing.RawKafkaClient;
import io.weir.broker.testing.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProduceFetchTest {
    private static final int LONG_POLL_MAX_WAIT_MS = 5 * 60_000;

    @TempDir
    Path dataDir;
    private TestBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(1, dataDir);
        broker.metadata.publish(new Images().broker(1, broker.port()).topic("events", 3, 1).build());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void producedRecordsAreConsumedInOrderWithEveryAcksSetting() throws Exception {
        List<String> sent = new ArrayList<>();
        for (String acks : new String[] {"0", "1", "all"}) {
            try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.ACKS_CONFIG, acks,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"))) {
                List<Future<RecordMetadata>> acked = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    String value = acks + "-" + i;
                    sent.add(value);
                    acked.add(producer.send(new ProducerRecord<>("events", 0, null, value)));
                }
                producer.flush();
                for (Future<RecordMetadata> f : acked) f.get(15, TimeUnit.SECONDS);
            }
        }
        assertThat(consumeAll(new TopicPartition("events", 0), sent.size())).containsExactlyElementsOf(sent);
    }

    @Test
    void idempotentProducerAppendsEachRecordOnce() throws Exception {
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5",
                ProducerConfig.LINGER_MS_CONFIG, "0", ProducerConfig.BATCH_SIZE_CONFIG, "200"))) {
            List<Future<RecordMetadata>> acked = new ArrayList<>();
            for (int i = 0; i < 500; i++) acked.add(producer.send(new ProducerRecord<>("events", 1, null, "v" + i)));
            long previous = -1;
            for (Future<RecordMetadata> f : acked) {
                long offset = f.get(15, TimeUnit.SECONDS).offset();
                assertThat(offset).isEqualTo(previous + 1);
                previous = offset;
            }
        }
        List<String> values = consumeAll(new TopicPartition("events", 1), 500);
        assertThat(values).hasSize(500).doesNotHaveDuplicates();
        assertThat(values.get(499)).isEqualTo("v499");
    }

    /**
     * The fetch asks to wait 5 minutes and the test may run for 2, so a response with the record
     * cannot come from max.wait expiring: the append answered the parked fetch.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aParkedLongPollIsAnsweredByTheAppendNotByMaxWait() throws Exception {
        TopicPartition tp = new TopicPartition("events", 2);
        FetchRequestData fetch = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(LONG_POLL_MAX_WAIT_MS)
                .setMinBytes(1).setMaxBytes(1 << 20).setSessionId(0).setSessionEpoch(-1);
        fetch.topics().add(new FetchRequestData.FetchTopic().setTopic(tp.topic()).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(tp.partition()).setFetchOffset(0)
                        .setPartitionMaxBytes(1 << 20))));
        try (RawKafkaClient client = new RawKafkaClient(broker.server.boundAddress());
             KafkaProducer<String, String> producer = producer(Map.of())) {
            RequestHeader header = new RequestHeader(ApiKeys.FETCH, (short) 12, "raw", 1);
            client.send(header, new FetchRequest(fetch, (short) 12));
            awaitParked(tp); // the partition is empty: the fetch waits, unanswered

            producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, "wake")).get(15, TimeUnit.SECONDS);

            FetchResponse response = (FetchResponse) client.receive(header);
            FetchResponseData.PartitionData partition = response.data().responses().get(0).partitions().get(0);
            assertThat(partition.errorCode()).isEqualTo(Errors.NONE.code());
            List<String> values = new ArrayList<>();
            for (Record r : ((MemoryRecords) partition.records()).records()) {
                values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
            }
            assertThat(values).containsExactly("wake");
        }
    }

    @Test
    void oversizedRecordIsRejectedAndNothingIsWritten() throws Exception {
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "5000000",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false", ProducerConfig.RETRIES_CONFIG, "0"))) {
            Future<RecordMetadata> big = producer.send(new ProducerRecord<>("events", 0, null, "x".repeat(2_000_000)));
            assertThatThrownBy(() -> big.get(15, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);
            producer.send(new ProducerRecord<>("events", 0, null, "small")).get(15, TimeUnit.SECONDS);
        }
        assertThat(consumeAll(new TopicPartition("events", 0), 1)).containsExactly("small");
    }

    @Test
    void sendingToAnUnknownTopicTimesOutInsteadOfWriting() {
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000"))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("missing", "v")).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("missing");
        }
    }

    /** Waits (bounded) until one request is parked in purgatory on {@code tp}, that is, not answered yet. */
    private void awaitParked(TopicPartition tp) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.replicas.purgatory().watching(tp) == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(broker.replicas.purgatory().watching(tp)).as("requests parked on " + tp).isEqualTo(1);
    }

    private List<String> consumeAll(TopicPartition tp, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
            }
            assertThat(consumer.poll(Duration.ofMillis(200))).isEmpty();
        }
        return values;
    }

    private KafkaProducer<String, String> producer(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000));
        config.putAll(overrides);
        return new KafkaProducer<>(config);
    }

    private KafkaConsumer<String, String> consumer(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
        config.putAll(overrides);
        return new KafkaConsumer<>(config);
    }
}
