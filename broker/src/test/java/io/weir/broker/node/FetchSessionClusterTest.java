package io.weir.broker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.fetch.session.FetchSession;
import io.weir.broker.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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
 * Fetch sessions on three in-process nodes: followers and a consumer of 60 partitions fetch
 * through sessions; the consumer reads every acknowledged record exactly once across the loss of
 * a node that leads a third of them (its sessions gone with it, leadership moving).
 */
class FetchSessionClusterTest {
    private static final String TOPIC = "sessions";
    private static final int PARTITIONS = 60;

    @TempDir
    Path dir;
    private final Map<Integer, WeirNode> nodes = new HashMap<>();

    @AfterEach
    void stop() {
        nodes.values().forEach(WeirNode::close);
    }

    @Test
    void aConsumerReadsEverythingOnceAcrossALeaderChangeAndFollowersUseSessions() throws Exception {
        startCluster();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> admin.describeTopics(List.of(TOPIC))
                    .allTopicNames().get().get(TOPIC).partitions().stream()
                    .allMatch(p -> p.leader() != null && p.isr().size() == 3));
        }
        // Each node's two followers keep a session with it, fetching incrementally what it leads:
        // every partition (ours and the offsets topic's) is in two followers' sessions.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<FetchSession> followers = nodes.values().stream().flatMap(n -> n.fetchSessions().sessions().stream())
                    .filter(FetchSession::privileged).toList();
            assertThat(followers).hasSize(6).allMatch(s -> s.epoch() > 1);
            assertThat(followers.stream().mapToInt(FetchSession::size).sum()).isGreaterThanOrEqualTo(2 * PARTITIONS);
        });
        List<String> acked = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        try (KafkaProducer<String, String> producer = producer(); KafkaConsumer<String, String> consumer = consumer()) {
            consumer.assign(IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p)).toList());
            send(producer, 0, 300, acked);
            pollUntil(consumer, seen, acked.size());
            assertThat(nodes.values()).allMatch(n -> n.fetchSessions().sessions().stream().anyMatch(s -> !s.privileged()),
                    "the consumer has a session on every node");

            nodes.remove(1).close();
            send(producer, 300, 600, acked);
            pollUntil(consumer, seen, acked.size());
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(acked);
        assertThat(seen).allSatisfy((value, times) -> assertThat(times).as(value).isEqualTo(1));
    }

    private void startCluster() throws Exception {
        int[] kafkaPorts = FreePorts.take(3);
        int[] quorumPorts = FreePorts.take(3);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
        }
        for (int i = 1; i <= 3; i++) {
            nodes.put(i, WeirNode.start(NodeConfig.parse("""
                    node.id: %d
                    cluster.id: sessions
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                      voters:
                    %s
                    leader.imbalance.check.interval.ms: 0
                    auto.balance.enable: false
                    """.formatted(i, dir.resolve("node-" + i), kafkaPorts[i - 1], voters))));
        }
        for (WeirNode node : nodes.values()) node.awaitReady(Duration.ofSeconds(60));
    }

    private String bootstrap() {
        return nodes.values().stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
    }

    private static void send(KafkaProducer<String, String> producer, int from, int to, List<String> acked)
            throws Exception {
        for (int i = from; i < to; i++) {
            producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, "v" + i)).get(60, TimeUnit.SECONDS);
            acked.add("v" + i);
        }
    }

    private static void pollUntil(KafkaConsumer<String, String> consumer, Map<String, Integer> seen, int total) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (seen.values().stream().mapToInt(Integer::intValue).sum() < total && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                seen.merge(r.value(), 1, Integer::sum);
            }
        }
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, ProducerConfig.METADATA_MAX_AGE_CONFIG, 1_000),
                new StringSerializer(), new StringSerializer());
    }

    private KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 1_000),
                new StringDeserializer(), new StringDeserializer());
    }
}
