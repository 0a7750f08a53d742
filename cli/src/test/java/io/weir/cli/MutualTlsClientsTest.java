package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS with clients other than kafka-clients (issue 19): one node whose only Kafka
 * listener is SSL with {@code ssl.client.auth: required} and ACLs on, {@code User:CN=alice} its
 * one super user; its certificate and every client's come from a {@link LocalCertificateAuthority}
 * (the CA of {@code cluster up --secure}). kcat (librdkafka) and kafkajs present alice's
 * certificate chain and PKCS#8 key as PEM files and produce (kcat also consumes); a kafka-clients
 * consumer reads what they wrote. The same clients without a certificate, or with a certificate
 * named {@code CN=alice} from another CA, are refused in the TLS handshake and write nothing; a
 * certificate from the node's CA with another name ({@code CN=bob}, no ACL) connects and is not
 * authorized, so the principal is the certificate's distinguished name, as with Kafka's default
 * principal builder. kcat and kafkajs are installed by {@code .ci/run}; where they are missing
 * their test is skipped with a message saying so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MutualTlsClientsTest {
    /** JUnit deletes it after {@link #stop()} closed the node, pass or fail. */
    @TempDir
    static Path dir;
    private Path ca;
    private WeirNode node;
    private String bootstrap;
    /** CN=alice from the node's CA: the super user. */
    private PemIdentity alice;
    /** CN=bob from the node's CA, with no ACL. */
    private PemIdentity bob;
    /** CN=alice again, from a CA the node does not trust. */
    private PemIdentity impostor;

    @BeforeAll
    void start() throws Exception {
        LocalCertificateAuthority authority = LocalCertificateAuthority.in(dir.resolve("ca"), "mtls");
        ca = authority.certificateFile();
        Path nodePem = dir.resolve("node").resolve("node.pem");
        authority.issue("weir-node-1", nodePem);
        alice = PemIdentity.issue(authority, "alice", dir.resolve("alice"));
        bob = PemIdentity.issue(authority, "bob", dir.resolve("bob"));
        impostor = PemIdentity.issue(LocalCertificateAuthority.in(dir.resolve("other-ca"), "other"), "alice",
                dir.resolve("impostor"));
        Path secret = Files.writeString(dir.resolve("cluster.secret"), "mtls-clients-test-cluster-secret\n");
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: mtls
                data.dir: %s
                listeners:
                  kafka: SSL://127.0.0.1:0
                coordination:
                  backend: local
                ssl.keystore.location: %s
                ssl.keystore.type: PEM
                ssl.truststore.location: %s
                ssl.truststore.type: PEM
                ssl.client.auth: required
                cluster.secret.file: %s
                authorizer.class.name: acl
                super.users: "User:CN=alice"
                """.formatted(dir.resolve("node").resolve("data"), nodePem, ca, secret)));
        node.awaitReady(Duration.ofSeconds(60));
        bootstrap = "127.0.0.1:" + node.kafkaPort("SSL");
    }

    @AfterAll
    void stop() throws IOException {
        if (node != null) node.close();
    }

    @Test
    void kcatProducesAndConsumesWithItsClientCertificate() throws Exception {
        Assumptions.assumeTrue(onPath("kcat"), "kcat is not installed (.ci/run installs Debian's kcat)");
        createTopic("from-kcat");

        Run produce = run(kcat(alice, "-P", "-t", "from-kcat", "-K:"), "a:one\nb:two\n");
        assertThat(produce.code).as(produce.output).isZero();
        Run consume = run(kcat(alice, "-C", "-t", "from-kcat", "-e", "-f", "%k=%s\\n"), "");
        assertThat(consume.code).as(consume.output).isZero();
        assertThat(consume.output).contains("a=one", "b=two");
        assertThat(consumeAll("from-kcat", 2)).extracting(ConsumerRecord::value).containsExactly("one", "two");
    }

    @Test
    void kcatWithoutATrustedCertificateIsRefusedAndWithAnotherNameIsNotAuthorized() throws Exception {
        Assumptions.assumeTrue(onPath("kcat"), "kcat is not installed (.ci/run installs Debian's kcat)");
        createTopic("kcat-refused");

        Run noCertificate = run(kcat(null, "-P", "-t", "kcat-refused"), "nope\n");
        assertThat(noCertificate.code).as(noCertificate.output).isNotZero();
        assertThat(noCertificate.output).as("the node's TLS alert").contains("alert bad certificate");
        Run otherCa = run(kcat(impostor, "-P", "-t", "kcat-refused"), "nope\n");
        assertThat(otherCa.code).as(otherCa.output).isNotZero();
        assertThat(otherCa.output).as("the node's TLS alert").contains("alert certificate unknown");

        // From the node's CA, so the handshake succeeds, but User:CN=bob is neither a super user nor granted anything.
        Run notAuthorized = run(kcat(bob, "-P", "-t", "kcat-refused"), "nope\n");
        assertThat(notAuthorized.code).as(notAuthorized.output).isNotZero();
        assertThat(notAuthorized.output).contains("Topic authorization failed");

        assertThat(endOffset("kcat-refused")).as("nothing was written").isZero();
    }

    @Test
    void kafkajsProducesWithItsClientCertificateAndIsRefusedWithoutATrustedOne() throws Exception {
        Path script = Path.of("src", "test", "node", "mtls-produce.js").toAbsolutePath();
        Assumptions.assumeTrue(onPath("node") && Files.isDirectory(script.getParent().resolve("node_modules").resolve("kafkajs")),
                "node or kafkajs is missing (.ci/run runs npm ci in cli/src/test/node)");
        createTopic("from-kafkajs");
        String ca = this.ca.toString();

        Run sent = run(List.of("node", script.toString(), bootstrap, ca, alice.certificate.toString(), alice.key.toString(),
                "from-kafkajs"), "");
        assertThat(sent.code).as(sent.output).isZero();
        assertThat(consumeAll("from-kafkajs", 1)).extracting(ConsumerRecord::value).containsExactly("from-kafkajs");

        Run noCertificate = run(List.of("node", script.toString(), bootstrap, ca, "-", "-", "from-kafkajs"), "");
        assertThat(noCertificate.code).as(noCertificate.output).isNotZero();
        assertThat(noCertificate.output).contains("FAILED", "alert bad certificate");
        Run otherCa = run(List.of("node", script.toString(), bootstrap, ca, impostor.certificate.toString(),
                impostor.key.toString(), "from-kafkajs"), "");
        assertThat(otherCa.code).as(otherCa.output).isNotZero();
        assertThat(otherCa.output).contains("FAILED", "alert certificate unknown");

        assertThat(endOffset("from-kafkajs")).as("only alice's record").isEqualTo(1);
    }

    /** kcat on the SSL listener with {@code identity}'s certificate and key, or none when null. */
    private List<String> kcat(PemIdentity identity, String... args) {
        List<String> command = new ArrayList<>(List.of("kcat", "-b", bootstrap, "-X", "security.protocol=ssl",
                "-X", "ssl.ca.location=" + ca, "-X", "message.timeout.ms=20000"));
        if (identity != null) {
            command.addAll(List.of("-X", "ssl.certificate.location=" + identity.certificate,
                    "-X", "ssl.key.location=" + identity.key));
        }
        command.addAll(List.of(args));
        return command;
    }

    /** A kafka-clients configuration as alice: her key and chain as a PEM key store, the CA as trust store. */
    private Map<String, Object> asAlice(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL",
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, ca.toString(),
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM",
                SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, alice.keyAndChain.toString(),
                SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM"));
        config.putAll(overrides);
        return config;
    }

    private void createTopic(String name) throws Exception {
        try (Admin admin = Admin.create(asAlice(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
    }

    private KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(asAlice(Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class)));
    }

    private List<ConsumerRecord<String, String>> consumeAll(String topic, int count) {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            return records;
        }
    }

    private long endOffset(String topic) {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
        }
    }

    /**
     * A client identity issued by {@code authority}: the one PEM file it writes (PKCS#8 key, then
     * the certificate and the CA's), and that file split into the key and the certificate chain,
     * as librdkafka's {@code ssl.key.location} / {@code ssl.certificate.location} and Node.js'
     * {@code key} / {@code cert} take them.
     */
    private record PemIdentity(Path keyAndChain, Path certificate, Path key) {
        static PemIdentity issue(LocalCertificateAuthority authority, String commonName, Path dir) throws IOException {
            PemIdentity identity = new PemIdentity(dir.resolve(commonName + ".pem"), dir.resolve(commonName + ".crt"),
                    dir.resolve(commonName + ".key"));
            authority.issue(commonName, identity.keyAndChain);
            String pem = Files.readString(identity.keyAndChain);
            int chain = pem.indexOf("-----BEGIN CERTIFICATE-----");
            Files.writeString(identity.key, pem.substring(0, chain));
            Files.writeString(identity.certificate, pem.substring(chain));
            return identity;
        }
    }

    private record Run(int code, String output) {
    }

    /** Runs {@code command} with {@code input}; its output goes to a file, so a client that hangs cannot block the test. */
    private Run run(List<String> command, String input) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "client", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return new Run(-1, "timed out: " + Files.readString(output));
        }
        return new Run(process.exitValue(), Files.readString(output));
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, program))) return true;
        }
        return false;
    }
}
