package io.weir.broker.security;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.FreePorts;
import io.weir.broker.testing.TestCertificates;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
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
 * Kafka's listeners on three Ratis nodes: clients on {@code CLIENT} (SSL with
 * {@code ssl.client.auth: required}), nodes among themselves on {@code INTERNAL} (SASL_SSL, the
 * cluster secret over SCRAM-SHA-512). Node 3 reads PEM files, the others PKCS12. Real
 * kafka-clients with a client certificate create, replicate (RF 3, acks=all), produce and
 * consume, and a SCRAM user set through any node logs in on every node's SASL_SSL listener;
 * without a certificate, or without trusting the nodes', clients are refused.
 */
class TlsListenersTest {
    @TempDir
    Path dir;

    private final Map<Integer, WeirNode> nodes = new HashMap<>();
    private TestCertificates certs;
    private int[] clientPorts;
    private int[] internalPorts;

    @AfterEach
    void stop() {
        nodes.values().forEach(WeirNode::close);
    }

    @Test
    void mutualTlsClientsWorkAndNodesReplicateOverSaslSsl() throws Exception {
        certs = TestCertificates.create(dir.resolve("certs"));
        startCluster();

        try (Admin admin = Admin.create(client(true, true))) {
            admin.createTopics(List.of(new NewTopic("secure", 3, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> admin.describeTopics(List.of("secure"))
                    .allTopicNames().get(10, TimeUnit.SECONDS).get("secure").partitions().stream()
                    .allMatch(p -> p.isr().size() == 3));
            // Metadata answers with the CLIENT listener's ports, the one this client came in on.
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).extracting(Node::port)
                    .containsExactlyInAnyOrder(clientPorts[0], clientPorts[1], clientPorts[2]);
            TopicDescription d = admin.describeTopics(List.of("secure")).allTopicNames().get(10, TimeUnit.SECONDS).get("secure");
            assertThat(d.partitions()).allSatisfy(p -> assertThat(p.isr()).hasSize(3));
        }
        Map<String, Object> producerConfig = new HashMap<>(client(true, true));
        producerConfig.putAll(Map.of(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
            for (int i = 0; i < 30; i++) producer.send(new ProducerRecord<>("secure", i % 3, null, "v" + i)).get(60, TimeUnit.SECONDS);
        }
        Map<String, Object> consumerConfig = new HashMap<>(client(true, true));
        consumerConfig.putAll(Map.of(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.GROUP_ID_CONFIG, "secure-readers"));
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
            consumer.subscribe(List.of("secure"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) read.add(r.value());
                return read.size() >= 30;
            });
        }
        assertThat(read).hasSize(30);

        // Users' SCRAM credentials, set through any node, reach every node: alice logs in on each
        // node's SASL_SSL listener.
        try (Admin admin = Admin.create(client(true, true))) {
            admin.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion("alice",
                    new org.apache.kafka.clients.admin.ScramCredentialInfo(
                            org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512, 4096), "alice-secret")))
                    .all().get(30, TimeUnit.SECONDS);
        }
        for (int port : internalPorts) {
            Map<String, Object> alice = new HashMap<>(client(true, true));
            alice.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
            alice.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
            alice.put(org.apache.kafka.common.config.SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
            alice.put(org.apache.kafka.common.config.SaslConfigs.SASL_JAAS_CONFIG,
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"alice-secret\";");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (Admin admin = Admin.create(alice)) {
                    return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() == 3;
                }
            });
        }

        for (Map<String, Object> refused : List.of(client(false, true), client(true, false))) {
            try (Admin admin = Admin.create(refused)) {
                assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SslAuthenticationException.class);
            }
        }
    }

    /** A client of the CLIENT listener, with or without its certificate and the nodes' trust store. */
    private Map<String, Object> client(boolean withCertificate, boolean trusting) {
        Map<String, Object> config = new HashMap<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + clientPorts[0] + ",127.0.0.1:" + clientPorts[1],
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000,
                CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000));
        if (trusting) {
            config.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.truststore.toString());
            config.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
            config.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        }
        if (withCertificate) {
            config.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, certs.clientKeystore.toString());
            config.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
            config.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        }
        return config;
    }

    private void startCluster() throws Exception {
        Path secret = dir.resolve("cluster.secret");
        Files.writeString(secret, "tls-test-cluster-secret\n");
        clientPorts = FreePorts.take(3);
        internalPorts = FreePorts.take(3);
        int[] quorumPorts = FreePorts.take(3);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], internalPorts[i]));
        }
        for (int i = 1; i <= 3; i++) {
            String stores = i == 3
                    ? """
                    ssl.keystore.location: %s
                    ssl.keystore.type: PEM
                    ssl.truststore.location: %s
                    ssl.truststore.type: PEM
                    """.formatted(certs.nodePem, certs.truststorePem)
                    : """
                    ssl.keystore.location: %s
                    ssl.keystore.password: %s
                    ssl.keystore.type: PKCS12
                    ssl.truststore.location: %s
                    ssl.truststore.password: %s
                    ssl.truststore.type: PKCS12
                    """.formatted(certs.nodeKeystore, TestCertificates.PASSWORD, certs.truststore, TestCertificates.PASSWORD);
            nodes.put(i, WeirNode.start(NodeConfig.parse("""
                    node.id: %d
                    cluster.id: tls
                    data.dir: %s
                    listeners:
                      kafka: CLIENT://127.0.0.1:%d,INTERNAL://127.0.0.1:%d
                    listener.security.protocol.map: CLIENT:SSL,INTERNAL:SASL_SSL
                    inter.broker.listener.name: INTERNAL
                    ssl.client.auth: required
                    cluster.secret.file: %s
                    coordination:
                      backend: ratis
                      voters:
                    %s
                    broker.heartbeat.interval.ms: 200
                    broker.session.timeout.ms: 3000
                    """.formatted(i, dir.resolve("node-" + i), clientPorts[i - 1], internalPorts[i - 1], secret, voters)
                    + stores)));
        }
        for (WeirNode node : nodes.values()) {
            node.awaitReady(Duration.ofSeconds(60));
        }
    }
}
