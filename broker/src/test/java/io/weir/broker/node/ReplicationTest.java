package io.weir.broker.node;

import io.weir.broker.testing.FreePorts;
import io.weir.broker.testing.ReadBack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RF=3, min.insync.replicas=2 on three in-process nodes: followers replicate, acks=all waits
 * for the ISR, stopping a partition leader loses no acknowledged record, and once the node is
 * back in the ISR, leadership returns to the preferred replicas.
 */
class ReplicationTest {
    private static final String TOPIC = "replicated";
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private final Map<Integer, WeirNode> nodes = new HashMap<>();
    private final Map<Integer, NodeConfig> configs = new HashMap<>();

    @AfterEach
    void stop() {
        nodes.values().forEach(WeirNode::close);
    }

    @Test
    void acknowledgedWritesSurviveStoppingTheLeaderAndTheNodeRejoinsTheIsr() throws Exception {
        startCluster();
        String bootstrap = bootstrap();
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin);
        }
        Map<Integer, List<String>> acked = new ConcurrentHashMap<>();
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            send(producer, 0, 300, acked);
            int victim;
            try (Admin admin = admin(bootstrap)) {
                victim = describe(admin).partitions().get(0).leader().id();
            }
            nodes.remove(victim).close();
            send(producer, 300, 600, acked);
            try (Admin admin = admin(bootstrapExcept(-1))) {
                TopicDescription d = describe(admin);
                assertThat(d.partitions()).allSatisfy(p -> assertThat(p.leader().id()).isNotEqualTo(victim));
            }
            nodes.put(victim, WeirNode.start(configs.get(victim)));
            nodes.get(victim).awaitReady(Duration.ofSeconds(60));
            send(producer, 600, 900, acked);
        }
        try (Admin admin = admin(bootstrap())) {
            awaitFullIsr(admin);
            // Auto leader rebalance: leadership returns to each partition's preferred replica.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> describe(admin).partitions()
                    .stream().allMatch(p -> p.leader().id() == p.replicas().get(0).id()));
        }
        assertEveryAcknowledgedRecordExactlyOnceInOrder(acked);
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
            configs.put(i, NodeConfig.parse("""
                    node.id: %d
                    cluster.id: replicated
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                      voters:
                    %s
                    broker.heartbeat.interval.ms: 200
                    broker.session.timeout.ms: 3000
                    replica.lag.time.max.ms: 3000
                    leader.imbalance.check.interval.ms: 1000
                    """.formatted(i, dir.resolve("node-" + i), kafkaPorts[i - 1], voters)));
            nodes.put(i, WeirNode.start(configs.get(i)));
        }
        for (WeirNode node : nodes.values()) {
            node.awaitReady(Duration.ofSeconds(60));
        }
    }

    private String bootstrap() {
        return nodes.values().stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
    }

    private String bootstrapExcept(int id) {
        return nodes.entrySet().stream().filter(e -> e.getKey() != id).map(e -> e.getValue().bootstrapServers())
                .collect(Collectors.joining(","));
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static TopicDescription describe(Admin admin) throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC);
    }

    private static void awaitFullIsr(Admin admin) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> describe(admin).partitions().stream()
                .allMatch(p -> p.isr().size() == 3 && p.leader() != null));
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.METADATA_MAX_AGE_CONFIG, 1_000));
    }

    /** Sends values from..to-1 round-robin over the partitions, waiting for each acknowledgement. */
    private static void send(KafkaProducer<String, String> producer, int from, int to, Map<Integer, List<String>> acked)
            throws Exception {
        for (int i = from; i < to; i++) {
            RecordMetadata md = producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, "v" + i))
                    .get(60, TimeUnit.SECONDS);
            acked.computeIfAbsent(md.partition(), k -> new ArrayList<>()).add("v" + i);
        }
    }

    private void assertEveryAcknowledgedRecordExactlyOnceInOrder(Map<Integer, List<String>> acked) {
        Map<Integer, List<String>> read = ReadBack.values(bootstrap(), TOPIC, PARTITIONS, acked, Duration.ofSeconds(60));
        for (Map.Entry<Integer, List<String>> e : acked.entrySet()) {
            assertThat(read.get(e.getKey())).as("partition %d", e.getKey()).containsExactlyElementsOf(e.getValue());
        }
    }
}
