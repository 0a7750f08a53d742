package io.weir.broker.security;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.KafkaTool;
import kafka.admin.ConfigCommand;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * SASL users end to end: Kafka's own {@code kafka-configs.sh} (ConfigCommand) stores alice's
 * SCRAM credentials in the metadata through AlterUserScramCredentials and describes them; then
 * real kafka-clients log in as alice on the SASL_PLAINTEXT listener with SCRAM-SHA-256,
 * SCRAM-SHA-512 and PLAIN, while a wrong password, an unknown user and a deleted mechanism are
 * refused with SaslAuthenticationException.
 */
class SaslUsersTest {
    private static final String PASSWORD = "alice-secret";

    @TempDir
    Path dir;

    private WeirNode node;

    @AfterEach
    void stop() {
        if (node != null) node.close();
    }

    @Test
    void kafkaConfigsCreatesUsersThatLogInWithScramAndPlain() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: sasl
                data.dir: %s
                listeners:
                  kafka: PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0
                coordination:
                  backend: local
                sasl.enabled.mechanisms: SCRAM-SHA-256,SCRAM-SHA-512,PLAIN
                """.formatted(dir.resolve("node"))));
        node.awaitReady(Duration.ofSeconds(60));
        String plaintext = node.bootstrapServers();

        KafkaTool alter = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", plaintext, "--alter",
                "--add-config", "SCRAM-SHA-256=[iterations=8192,password=" + PASSWORD + "],SCRAM-SHA-512=[password="
                        + PASSWORD + "]", "--entity-type", "users", "--entity-name", "alice");
        assertThat(alter.exitCode()).isZero();
        KafkaTool describe = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", plaintext, "--describe",
                "--entity-type", "users", "--entity-name", "alice");
        assertThat(describe.output()).contains("SCRAM-SHA-256=iterations=8192").contains("SCRAM-SHA-512=iterations=4096");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, plaintext))) {
            assertThat(admin.describeUserScramCredentials(List.of("alice")).description("alice").get(30, TimeUnit.SECONDS)
                    .credentialInfos()).extracting(i -> i.mechanism().mechanismName() + "=" + i.iterations())
                    .containsExactlyInAnyOrder("SCRAM-SHA-256=8192", "SCRAM-SHA-512=4096");
            assertThatThrownBy(() -> admin.describeUserScramCredentials(List.of("bob")).description("bob")
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(org.apache.kafka.common.errors.ResourceNotFoundException.class);
        }

        try (Admin admin = Admin.create(client("SCRAM-SHA-256", "alice", PASSWORD))) {
            admin.createTopics(List.of(new NewTopic("logged-in", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).extracting(Node::port)
                    .containsExactly(node.kafkaPort("SASL_PLAINTEXT"));
        }
        Map<String, Object> producerConfig = new HashMap<>(client("SCRAM-SHA-512", "alice", PASSWORD));
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
            for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>("logged-in", "v" + i)).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> consumerConfig = new HashMap<>(client("PLAIN", "alice", PASSWORD));
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
            consumer.assign(List.of(new TopicPartition("logged-in", 0)));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) read.add(r.value());
                return read.size() >= 5;
            });
        }
        assertThat(read).containsExactly("v0", "v1", "v2", "v3", "v4");

        assertRefused(client("SCRAM-SHA-256", "alice", "wrong-password"));
        assertRefused(client("PLAIN", "alice", "wrong-password"));
        assertRefused(client("SCRAM-SHA-512", "bob", PASSWORD));

        KafkaTool delete = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", plaintext, "--alter",
                "--delete-config", "SCRAM-SHA-256", "--entity-type", "users", "--entity-name", "alice");
        assertThat(delete.exitCode()).isZero();
        assertRefused(client("SCRAM-SHA-256", "alice", PASSWORD));
        try (Admin admin = Admin.create(client("SCRAM-SHA-512", "alice", PASSWORD))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void sessionsReauthenticateOnTheSameConnection() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: sasl
                data.dir: %s
                listeners:
                  kafka: PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0
                coordination:
                  backend: local
                connections.max.reauth.ms: 1000
                """.formatted(dir.resolve("node"))));
        node.awaitReady(Duration.ofSeconds(60));
        assertThat(KafkaTool.run(ConfigCommand::main, "--bootstrap-server", node.bootstrapServers(), "--alter",
                "--add-config", "SCRAM-SHA-512=[password=" + PASSWORD + "]", "--entity-type", "users", "--entity-name",
                "alice").exitCode()).isZero();

        // One connection, many session lifetimes: any close (an expired session) would fail a send.
        try (io.weir.replication.BlockingKafkaClient alice = new io.weir.replication.BlockingKafkaClient(
                new java.net.InetSocketAddress("127.0.0.1", node.kafkaPort("SASL_PLAINTEXT")), "alice", 10_000, 1 << 20,
                new io.weir.replication.InterBrokerSecurity("SASL_PLAINTEXT", java.util.Optional.empty(), false,
                        java.util.Optional.of(new io.weir.replication.SaslLogin("alice", PASSWORD))))) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            int sent = 0;
            while (System.nanoTime() < end) {
                org.apache.kafka.common.requests.MetadataResponse metadata = (org.apache.kafka.common.requests.MetadataResponse)
                        alice.send(new org.apache.kafka.common.requests.MetadataRequest.Builder(List.of(), false));
                assertThat(metadata.brokers()).hasSize(1);
                sent++;
                Thread.sleep(100);
            }
            assertThat(sent).isGreaterThan(10);
        }
        // Kafka's own clients re-authenticate too: a producer keeps producing across lifetimes.
        Map<String, Object> producerConfig = new HashMap<>(client("SCRAM-SHA-512", "alice", PASSWORD));
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
            for (int i = 0; i < 12; i++) {
                producer.send(new ProducerRecord<>("reauthenticated", "v" + i)).get(30, TimeUnit.SECONDS);
                Thread.sleep(250);
            }
        }
    }

    private static void assertRefused(Map<String, Object> config) {
        try (Admin admin = Admin.create(config)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    private Map<String, Object> client(String mechanism, String user, String password) {
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        return new HashMap<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.kafkaPort("SASL_PLAINTEXT"),
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, mechanism,
                SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + user + "\" password=\"" + password + "\";",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }
}
