package io.weir.broker.node;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A whole node from a YAML config, driven only through real Kafka clients. */
class SingleNodeTest {
    @TempDir
    Path dir;
    private WeirNode node;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        NodeConfig config = NodeConfig.parse("""
                node.id: 1
                cluster.id: single
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                  http: 127.0.0.1:0
                coordination:
                  backend: local
                broker.heartbeat.interval.ms: 100
                log.retention.check.interval.ms: 500
                """.formatted(dir.resolve("node-1")));
        node = WeirNode.start(config);
        node.awaitReady(Duration.ofSeconds(30));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    @AfterEach
    void stop() {
        if (admin != null) admin.close(Duration.ofSeconds(5));
        if (node != null) node.close();
    }

    @Test
    void adminCreatesDescribesGrowsAndDeletesTopics() throws Exception {
        admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1)
                .configs(Map.of("retention.ms", "3600000")))).all().get(20, TimeUnit.SECONDS);
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all()
                .get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicExistsException.class);
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("bad", 1, (short) 1)
                .configs(Map.of("no.such.config", "1")))).all().get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(InvalidConfigurationException.class);

        TopicDescription orders = describe("orders");
        assertThat(orders.partitions()).hasSize(3);
        assertThat(orders.partitions()).allSatisfy(p -> assertThat(p.leader().id()).isEqualTo(1));

        admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(5))).all().get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(describe("orders").partitions()).hasSize(5));

        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
        admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET))))
                .all().get(20, TimeUnit.SECONDS);
        Config config = admin.describeConfigs(List.of(resource)).all().get(20, TimeUnit.SECONDS).get(resource);
        assertThat(config.get("retention.ms").value()).isEqualTo("7200000");
        assertThat(config.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(config.get("cleanup.policy").isDefault()).isTrue();
        Config documented = admin.describeConfigs(List.of(resource), new DescribeConfigsOptions().includeDocumentation(true))
                .all().get(20, TimeUnit.SECONDS).get(resource);
        assertThat(documented.get("retention.ms").type()).isEqualTo(ConfigEntry.ConfigType.LONG);
        assertThat(documented.get("cleanup.policy").type()).isEqualTo(ConfigEntry.ConfigType.LIST);
        assertThat(documented.get("segment.bytes").documentation()).contains("Weir");
        assertThat(documented.get("segment.ms").documentation()).contains("longest cycle not above it");

        admin.deleteTopics(List.of("orders")).all().get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS)).doesNotContain("orders"));
    }

    @Test
    void producedRecordsSurviveToTheConsumerAndDeletedTopicsStartEmpty() throws Exception {
        admin.createTopics(List.of(new NewTopic("events", 2, (short) 1))).all().get(20, TimeUnit.SECONDS);
        produce("events", 0, "first", 50);
        assertThat(consume(new TopicPartition("events", 0), 50)).hasSize(50).startsWith("first-0").endsWith("first-49");

        admin.deleteTopics(List.of("events")).all().get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> !admin.listTopics().names().get().contains("events"));
        admin.createTopics(List.of(new NewTopic("events", 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        produce("events", 0, "second", 5);
        assertThat(consume(new TopicPartition("events", 0), 5)).containsExactly(
                "second-0", "second-1", "second-2", "second-3", "second-4");
    }

    @Test
    void retentionDeletesOldRollFilesOnItsOwn() throws Exception {
        // One-second roll files (segment.ms) and one-second retention: what is older goes at the next check.
        admin.createTopics(List.of(new NewTopic("short-lived", 1, (short) 1)
                .configs(Map.of("segment.ms", "1000", "retention.ms", "1000")))).all().get(20, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition("short-lived", 0);
        produce("short-lived", 0, "old", 10);
        Thread.sleep(2_100); // into a later roll file: the newest file with data is never deleted
        produce("short-lived", 0, "new", 5);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.listOffsets(
                Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.earliest())).partitionResult(tp)
                .get(10, TimeUnit.SECONDS).offset()).isEqualTo(10));
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> read = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
                return read.size() >= 5;
            });
            assertThat(read).containsExactly("new-0", "new-1", "new-2", "new-3", "new-4");
        }
    }

    @Test
    void producingToAMissingTopicCreatesItWithTheDefaults() throws Exception {
        produce("made-on-demand", 0, "auto", 3);
        assertThat(describe("made-on-demand").partitions()).hasSize(1);
        assertThat(consume(new TopicPartition("made-on-demand", 0), 3)).containsExactly("auto-0", "auto-1", "auto-2");
    }

    @Test
    void httpPortServesHealthAndPrometheusMetrics() throws Exception {
        admin.createTopics(List.of(new NewTopic("metered", 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        produce("metered", 0, "m", 3);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI base = URI.create("http://127.0.0.1:" + node.httpPort());
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(base.resolve("/health"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        String metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("weir_requests_seconds_count\\{api=\"Produce\",node=\"1\"} [1-9]")
                .contains("weir_network_bytes_in_total")
                .containsPattern("weir_partitions\\{node=\"1\"} [1-9]"); // "metered" and __consumer_offsets
    }

    private TopicDescription describe(String topic) throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        return admin.describeTopics(Set.of(topic)).allTopicNames().get(20, TimeUnit.SECONDS).get(topic);
    }

    private KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }

    private void produce(String topic, int partition, String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, partition, null, prefix + "-" + i));
            }
            producer.flush();
        }
    }

    private List<String> consume(TopicPartition tp, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
            }
        }
        return values;
    }
}
