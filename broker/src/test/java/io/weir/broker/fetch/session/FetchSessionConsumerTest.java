package io.weir.broker.fetch.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.broker.testing.Images;
import io.weir.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real kafka-clients consumers on many partitions of one broker: they take up the sessions the
 * broker hands out and read every record exactly once, also when their sessions are evicted
 * over and over.
 */
class FetchSessionConsumerTest {
    private static final String TOPIC = "many";
    private static final int PARTITIONS = 40;
    private static final int ROUNDS = 15;

    @TempDir
    Path dir;
    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) broker.close();
    }

    private FetchSessionCache start(int slots, long evictionMs) throws Exception {
        FetchSessionCache cache = new FetchSessionCache(slots, evictionMs, new SplittableRandom(11));
        broker = new TestBroker(1, dir, new FetchSessions(cache));
        broker.metadata.publish(new Images().broker(1, broker.port()).topic(TOPIC, PARTITIONS, 1).build());
        return cache;
    }

    @Test
    void aConsumerOfManyPartitionsFetchesIncrementallyAndReadsEverythingOnce() throws Exception {
        FetchSessionCache cache = start(FetchSessionCache.DEFAULT_SLOTS, FetchSessionCache.DEFAULT_EVICTION_MS);
        List<String> sent = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(); KafkaProducer<String, String> producer = producer()) {
            consumer.assign(partitions());
            Map<String, Integer> seen = new HashMap<>();
            for (int round = 0; round < ROUNDS; round++) {
                // One partition gets a record each round: the other partitions' answers are left out.
                send(producer, round % PARTITIONS, "r" + round, sent);
                pollUntil(consumer, seen, sent.size());
            }
            assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(seen.values()).allMatch(n -> n == 1);
            assertThat(cache.sessions()).as("one session, fetched incrementally").singleElement().satisfies(s -> {
                assertThat(s.size()).isEqualTo(PARTITIONS);
                // The first, full fetch opens the session at epoch 1 and may already read round 0's
                // record; each later round needs at least one incremental fetch: at least ROUNDS.
                assertThat(s.epoch()).isGreaterThanOrEqualTo(ROUNDS);
            });
        }
        assertThat(cache.evictions()).isZero();
    }

    @Test
    void consumersWhoseSessionsAreEvictedAgainAndAgainStillReadEverythingOnce() throws Exception {
        // One slot, evictable as soon as it is idle: two consumers keep evicting each other's session.
        FetchSessionCache cache = start(1, 0);
        List<String> sent = new ArrayList<>();
        try (KafkaConsumer<String, String> a = consumer(); KafkaConsumer<String, String> b = consumer();
             KafkaProducer<String, String> producer = producer()) {
            a.assign(partitions());
            b.assign(partitions());
            Map<String, Integer> seenA = new HashMap<>();
            Map<String, Integer> seenB = new HashMap<>();
            for (int round = 0; round < ROUNDS; round++) {
                for (int p = round % 4; p < PARTITIONS; p += 4) send(producer, p, "r" + round + "-" + p, sent);
                pollUntil(a, seenA, sent.size());
                pollUntil(b, seenB, sent.size());
            }
            for (Map<String, Integer> seen : List.of(seenA, seenB)) {
                assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(sent);
                assertThat(seen.values()).allMatch(n -> n == 1);
            }
        }
        assertThat(cache.evictions()).as("sessions were evicted").isPositive();
    }

    private static List<TopicPartition> partitions() {
        return IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
    }

    private static void send(KafkaProducer<String, String> producer, int partition, String value, List<String> sent)
            throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, partition, null, value)).get(30, TimeUnit.SECONDS);
        sent.add(value);
    }

    private static void pollUntil(KafkaConsumer<String, String> consumer, Map<String, Integer> seen, int total) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (seen.values().stream().mapToInt(Integer::intValue).sum() < total && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                seen.merge(r.value(), 1, Integer::sum);
            }
        }
    }

    private KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100),
                new StringDeserializer(), new StringDeserializer());
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "1"), new StringSerializer(), new StringSerializer());
    }
}
