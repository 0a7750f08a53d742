package io.weir.broker.security;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.KafkaTool;
import io.weir.broker.testing.TestCertificates;
import kafka.admin.ConfigCommand;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Produce throughput over SASL_SSL (SCRAM-SHA-512, TLS with the JDK engine) against PLAINTEXT on
 * one node in the same run, the figure issue 19 asks for. Not a pass/fail test:
 * <pre>
 * mvn -B -pl broker -am verify -Dtest=SecureProduceMeasurement -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dweir.measure.secure.produce=true [-Dweir.measure.records=300000]
 * </pre>
 */
@EnabledIfSystemProperty(named = "weir.measure.secure.produce", matches = "true")
class SecureProduceMeasurement {
    private static final int RECORDS = Integer.getInteger("weir.measure.records", 300_000);
    private static final int RECORD_BYTES = 1024;

    @TempDir
    Path dir;

    @Test
    void produceThroughputOverSaslSslAndPlaintext() throws Exception {
        TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
        try (WeirNode node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: measure
                data.dir: %s
                listeners:
                  kafka: PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0
                coordination:
                  backend: local
                ssl.keystore.location: %s
                ssl.keystore.password: %s
                ssl.keystore.type: PKCS12
                """.formatted(dir.resolve("node"), certs.nodeKeystore, TestCertificates.PASSWORD)))) {
            node.awaitReady(Duration.ofSeconds(60));
            KafkaTool.run(ConfigCommand::main, "--bootstrap-server", node.bootstrapServers(), "--alter", "--add-config",
                    "SCRAM-SHA-512=[password=measure-secret]", "--entity-type", "users", "--entity-name", "bench");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("plain", 1, (short) 1), new NewTopic("secure", 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            Map<String, Object> plain = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
            Map<String, Object> secure = Map.of(
                    CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.kafkaPort("SASL_SSL"),
                    CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL",
                    SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.truststore.toString(),
                    SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD,
                    SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12",
                    SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512",
                    SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                            + "username=\"bench\" password=\"measure-secret\";");
            produce("warm-up PLAINTEXT", plain, "plain", RECORDS / 5);
            produce("warm-up SASL_SSL", secure, "secure", RECORDS / 5);
            for (int round = 1; round <= 2; round++) {
                produce("PLAINTEXT round " + round, plain, "plain", RECORDS);
                produce("SASL_SSL round " + round, secure, "secure", RECORDS);
            }
        }
    }

    private static void produce(String label, Map<String, Object> connection, String topic, int records) throws Exception {
        Map<String, Object> config = new HashMap<>(connection);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.ACKS_CONFIG, "1");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        byte[] value = new byte[RECORD_BYTES];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            producer.partitionsFor(topic); // connect and authenticate outside the timing
            long start = System.nanoTime();
            for (int i = 0; i < records; i++) producer.send(new ProducerRecord<>(topic, value));
            producer.flush();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s: %d records of %d bytes in %.2f s = %.0f records/s, %.1f MiB/s%n", label, records,
                    RECORD_BYTES, seconds, records / seconds, records * (double) RECORD_BYTES / seconds / (1 << 20));
        }
    }
}
