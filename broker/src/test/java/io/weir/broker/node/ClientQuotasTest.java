package io.weir.broker.node;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client quotas with real clients: a producer and a consumer over their byte rates are held to
 * them (within 10 %) while another producer on the same node is not.
 */
class ClientQuotasTest {
    private static final int RECORD = 1024;
    private static final long PRODUCE_BOUND = 100 * 1024;
    private static final long FETCH_BOUND = 200 * 1024;
    /**
     * A client may first spend one window's credit at once, here 1 s of its bound (2 samples of
     * 1 s): each client's rate is measured from 2 s after its first record to the end.
     */
    private static final long WARM_UP_MS = 2_000;
    private static final long RUN_MS = 14_000;

    @TempDir
    Path dir;
    private WeirNode node;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: quotas
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                broker.heartbeat.interval.ms: 100
                quota.window.num: 2
                quota.window.size.seconds: 1
                """.formatted(dir.resolve("node-1"))));
        node.awaitReady(Duration.ofSeconds(30));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()));
    }

    @AfterEach
    void stop() {
        if (admin != null) admin.close(Duration.ofSeconds(5));
        if (node != null) node.close();
    }

    @Test
    void clientsOverTheirByteRatesAreHeldToThemAndOthersAreNot() throws Exception {
        admin.createTopics(List.of(new NewTopic("quota", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        admin.alterClientQuotas(List.of(
                new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "slow")),
                        List.of(new ClientQuotaAlteration.Op("producer_byte_rate", (double) PRODUCE_BOUND))),
                new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "slow-reader")),
                        List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", (double) FETCH_BOUND)))))
                .all().get(30, TimeUnit.SECONDS);

        long start = System.nanoTime();
        CompletableFuture<Double> slow = CompletableFuture.supplyAsync(() -> produce("slow", start));
        CompletableFuture<Double> fast = CompletableFuture.supplyAsync(() -> produce("fast", start));
        CompletableFuture<Double> reader = CompletableFuture.supplyAsync(() -> consume("slow-reader", start));

        System.out.printf("quota rates: slow producer %.0f, reader %.0f, fast producer %.0f bytes/s%n",
                slow.get(60, TimeUnit.SECONDS), reader.get(60, TimeUnit.SECONDS), fast.get(60, TimeUnit.SECONDS));
        assertThat(slow.get(60, TimeUnit.SECONDS)).as("throttled producer, bytes/s")
                .isBetween(PRODUCE_BOUND * 0.9, PRODUCE_BOUND * 1.1);
        assertThat(reader.get(60, TimeUnit.SECONDS)).as("throttled consumer, bytes/s")
                .isBetween(FETCH_BOUND * 0.9, FETCH_BOUND * 1.1);
        assertThat(fast.get(60, TimeUnit.SECONDS)).as("unthrottled producer, bytes/s")
                .isGreaterThan(PRODUCE_BOUND * 3.0);
    }

    /** Sends as fast as the client lets it; the acknowledged bytes per second in the measured span. */
    private double produce(String clientId, long start) {
        AtomicLong measured = new AtomicLong();
        AtomicLong firstAckMs = new AtomicLong(-1);
        byte[] value = new byte[RECORD];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, clientId, ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.BUFFER_MEMORY_CONFIG, 256 * 1024,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            while (elapsedMs(start) < RUN_MS) {
                producer.send(new ProducerRecord<>("quota", value), (metadata, error) -> {
                    long at = elapsedMs(start);
                    if (error != null) return;
                    firstAckMs.compareAndSet(-1, at);
                    if (at >= firstAckMs.get() + WARM_UP_MS && at < RUN_MS) measured.addAndGet(RECORD);
                });
            }
            producer.close(Duration.ZERO);
        }
        return measured.get() / ((RUN_MS - firstAckMs.get() - WARM_UP_MS) / 1000.0);
    }

    private double consume(String clientId, long start) {
        long measured = 0;
        long firstMs = -1;
        TopicPartition tp = new TopicPartition("quota", 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                // Small fetches, as small batches for the producer: each a small part of the window's allowance.
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024, ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            while (elapsedMs(start) < RUN_MS) {
                int bytes = 0;
                for (var r : consumer.poll(Duration.ofMillis(100))) bytes += r.value().length;
                long at = elapsedMs(start);
                if (bytes > 0 && firstMs < 0) firstMs = at;
                if (firstMs >= 0 && at >= firstMs + WARM_UP_MS && at < RUN_MS) measured += bytes;
            }
        }
        return measured / ((RUN_MS - firstMs - WARM_UP_MS) / 1000.0);
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
