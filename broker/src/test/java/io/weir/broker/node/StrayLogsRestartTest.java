package io.weir.broker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.testing.FreePorts;
import io.weir.broker.testing.Images;
import io.weir.broker.testing.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes; node 3 holds a replica of three single-partition RF=2 topics. While it is down,
 * one topic is deleted and another's partition is reassigned away from it (Kafka's Admin
 * {@code alterPartitionReassignments}). When it comes back, the logs of both are gone from its
 * disk (stray logs, deleted at the first image that holds its new registration), while the third
 * topic's log stays, intact: node 3 leads it afterwards and serves every record written before.
 */
class StrayLogsRestartTest {
    private static final int RECORDS = 50;

    @TempDir
    Path dir;

    private final Map<Integer, WeirNode> nodes = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        nodes.values().forEach(WeirNode::close);
    }

    @Test
    void logsDeletedOrReassignedAwayWhileANodeWasDownLeaveItsDiskWhenItReturns() throws Exception {
        int[] kafkaPorts = FreePorts.take(3);
        int[] quorumPorts = FreePorts.take(3);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
        }
        List<NodeConfig> configs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            configs.add(NodeConfig.parse("""
                    node.id: %d
                    cluster.id: stray
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
                    auto.balance.enable: false
                    leader.imbalance.check.interval.ms: 0
                    """.formatted(i, dir.resolve("node-" + i), kafkaPorts[i - 1], voters)));
            nodes.put(i, WeirNode.start(configs.get(i - 1)));
        }
        for (WeirNode node : nodes.values()) node.awaitReady(Duration.ofSeconds(60));
        String bootstrap = "127.0.0.1:" + kafkaPorts[0] + ",127.0.0.1:" + kafkaPorts[1];
        Path logs3 = dir.resolve("node-3").resolve("logs");

        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(
                    new NewTopic("doomed", Map.of(0, List.of(3, 1))),
                    new NewTopic("moved", Map.of(0, List.of(3, 1))),
                    new NewTopic("staying", Map.of(0, List.of(3, 2))))).all().get(30, TimeUnit.SECONDS);
            for (String topic : List.of("doomed", "moved", "staying")) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> describe(admin, topic).partitions().get(0).isr().size() == 2);
            }
            produce(bootstrap, List.of("doomed", "moved", "staying"));
            for (String topic : List.of("doomed", "moved", "staying")) {
                assertThat(logs3.resolve(topic + "-0")).isDirectory();
            }

            nodes.remove(3).close();
            admin.deleteTopics(List.of("doomed")).all().get(30, TimeUnit.SECONDS);
            admin.alterPartitionReassignments(Map.of(new TopicPartition("moved", 0),
                    Optional.of(new NewPartitionReassignment(List.of(1, 2))))).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .untilAsserted(() -> {
                        assertThat(admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS)).isEmpty();
                        assertThat(describe(admin, "moved").partitions().get(0).replicas())
                                .extracting(Node::id).containsExactlyInAnyOrder(1, 2);
                        assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).doesNotContain("doomed");
                    });
            assertThat(logs3.resolve("doomed-0")).as("node 3 is down: nothing deletes its logs yet").isDirectory();
            assertThat(logs3.resolve("moved-0")).isDirectory();

            nodes.put(3, WeirNode.start(configs.get(2)));
            nodes.get(3).awaitReady(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                assertThat(logs3.resolve("doomed-0")).doesNotExist();
                assertThat(logs3.resolve("moved-0")).doesNotExist();
            });
            assertThat(logs3.resolve("staying-0")).isDirectory();
            assertThat(Files.readString(dir.resolve("node-3").resolve("partition-topic-ids")))
                    .doesNotContain(" doomed").doesNotContain(" moved").contains(" staying");

            // Node 3's copy of the live partition is intact: it leads it and serves every record.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> describe(admin, "staying").partitions().get(0).isr().size() == 2);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                admin.electLeaders(ElectionType.PREFERRED, Set.of(new TopicPartition("staying", 0)))
                        .partitions().get(10, TimeUnit.SECONDS);
                assertThat(describe(admin, "staying").partitions().get(0).leader().id()).isEqualTo(3);
            });
            assertThat(consumeAll("127.0.0.1:" + kafkaPorts[2], "staying")).containsExactlyElementsOf(values("staying"));
            assertThat(consumeAll(bootstrap, "moved")).containsExactlyElementsOf(values("moved"));
        }
    }

    /**
     * The same outage seen the other way: the restarted node's first image is already the
     * current one (a backend that starts a node from a newer snapshot, or images coalesced while
     * it caught up), so no metadata change it sees removes the two logs; only the stray pass does.
     */
    @Test
    void aNodeWhoseFirstImageIsAlreadyCurrentDeletesItsStrayLogs() throws Exception {
        Path data = dir.resolve("single");
        UUID doomed = new UUID(3, 1);
        try (TestBroker broker = new TestBroker(1, data)) {
            broker.metadata.publish(new Images().broker(1, broker.port())
                    .topic("doomed", doomed, 1, List.of(1)).topic("moved", new UUID(3, 2), 1, List.of(1))
                    .topic("staying", new UUID(3, 3), 1, List.of(1)).build());
            produce(broker.bootstrap(), List.of("doomed", "moved", "staying"));
        }
        Path logs = data.resolve("logs");
        assertThat(logs.resolve("doomed-0")).isDirectory();
        assertThat(logs.resolve("moved-0")).isDirectory();

        try (TestBroker broker = new TestBroker(1, data)) {
            // Deleted, and moved to [2, 3], while node 1 was down; "doomed" recreated elsewhere under a new id.
            broker.metadata.publish(new Images().broker(1, broker.port())
                    .topic("doomed", new UUID(4, 1), 1, List.of(2, 3)).topic("moved", new UUID(3, 2), 1, List.of(2, 3))
                    .topic("staying", new UUID(3, 3), 1, List.of(1)).build());
            assertThat(logs.resolve("doomed-0")).doesNotExist();
            assertThat(logs.resolve("moved-0")).doesNotExist();
            assertThat(broker.logs.partitions()).containsExactly(new TopicPartition("staying", 0));
            assertThat(Files.readString(data.resolve("partition-topic-ids"))).doesNotContain(" doomed")
                    .doesNotContain(" moved");
            assertThat(consumeAll(broker.bootstrap(), "staying")).containsExactlyElementsOf(values("staying"));
        }
    }

    private static List<String> values(String topic) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) values.add(topic + "-" + i);
        return values;
    }

    private static void produce(String bootstrap, List<String> topics) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000))) {
            for (String topic : topics) {
                for (String value : values(topic)) producer.send(new ProducerRecord<>(topic, 0, null, value));
            }
            producer.flush();
            for (String topic : topics) {
                producer.send(new ProducerRecord<>(topic, 0, null, "fence")).get(60, TimeUnit.SECONDS);
            }
        }
    }

    /** Every value of partition 0, up to the "fence" record written last. */
    private static List<String> consumeAll(String bootstrap, String topic) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!values.contains("fence") && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
            }
        }
        assertThat(values).as("read up to the last record of %s", topic).endsWith("fence");
        return values.subList(0, values.size() - 1);
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }
}
