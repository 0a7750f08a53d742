package io.weir.broker.produce;

import io.weir.broker.testing.Images;
import io.weir.broker.testing.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void longPollReturnsAsSoonAsDataArrives() throws Exception {
        TopicPartition tp = new TopicPartition("events", 2);
        try (KafkaConsumer<String, String> consumer = consumer(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10000"));
             KafkaProducer<String, String> producer = producer(Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertThat(consumer.poll(Duration.ofMillis(500))).isEmpty(); // a fetch is now parked
            Thread sender = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    producer.send(new ProducerRecord<>("events", 2, null, "wake")).get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long start = System.nanoTime();
            sender.start();
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            while (records.isEmpty() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
                records = consumer.poll(Duration.ofSeconds(20));
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            sender.join(10_000);
            assertThat(records.records(tp)).extracting(ConsumerRecord::value).containsExactly("wake");
            assertThat(elapsedMs).as("answered by the append, not the 10 s max wait").isLessThan(5_000);
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
