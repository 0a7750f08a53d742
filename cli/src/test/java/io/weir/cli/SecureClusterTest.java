package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weir cluster up --secure} as a user runs it: three node processes on SASL_SSL only, TLS
 * and the cluster secret between them, and the admin user's files. Real clients: kafka-clients
 * with {@code client.properties}, the {@code weir} commands, kcat (librdkafka) with
 * {@code librdkafka.config} and kafkajs with SCRAM-SHA-512; outsiders without the credentials,
 * the CA or a known mechanism are refused, and a user without ACLs sees and creates nothing. kcat and kafkajs are installed by {@code .ci/run}
 * (Debian's kcat; kafkajs from {@code cli/src/test/node}); where they are missing their test is
 * skipped with a message saying so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureClusterTest {
    /** The cluster's directory; JUnit deletes it after {@link #down()} stopped the nodes, pass or fail. */
    @TempDir
    static Path dir;
    private int basePort;
    private String bootstrap;
    private Properties admin;

    @BeforeAll
    void up() throws Exception {
        basePort = freeBasePort();
        int code = weir("cluster", "up", "--secure", "--dir", dir.toString(), "--base-port", Integer.toString(basePort));
        assertThat(code).as("cluster up --secure; node logs kept as target/SecureClusterTest-node-N.log").isZero();
        bootstrap = Files.readString(dir.resolve("bootstrap")).trim();
        admin = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve("client.properties"))) {
            admin.load(in);
        }
    }

    @AfterAll
    void down() throws IOException {
        weir("cluster", "down", "--dir", dir.toString());
        // For whoever reads a failure: the nodes' logs, kept after the temporary directory goes.
        try (var nodes = Files.list(dir)) {
            for (Path node : (Iterable<Path>) nodes.filter(p -> p.getFileName().toString().startsWith("node-"))::iterator) {
                Path log = node.resolve("node.log");
                if (Files.exists(log)) {
                    Files.copy(log, Path.of("target", "SecureClusterTest-" + node.getFileName() + ".log"),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    void theAdminUsersSettingsCreateProduceAndConsumeAcrossReplicatingNodes() throws Exception {
        try (Admin client = Admin.create(config(Map.of()))) {
            client.createTopics(List.of(new NewTopic("secured", 3, (short) 3))).all().get(60, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class)))) {
            for (int i = 0; i < 30; i++) producer.send(new ProducerRecord<>("secured", "k" + i, "v" + i)).get(60, TimeUnit.SECONDS);
        }
        assertThat(consumeAll("secured", 30)).hasSize(30);

        assertThat(weirOutput("topics", "list", "-b", bootstrap, "--command-config",
                dir.resolve("client.properties").toString())).contains("secured");
    }

    @Test
    void clientsWithoutTheCredentialsTheCaOrAKnownMechanismAreRefused() {
        Map<String, Object> plaintext = new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        assertThatThrownBy(() -> listTopics(plaintext)).as("PLAINTEXT on a SASL_SSL port: never gets an answer")
                .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);

        Map<String, Object> wrongPassword = config(Map.of(SaslConfigs.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"not-it\";"));
        assertThatThrownBy(() -> listTopics(wrongPassword)).hasRootCauseInstanceOf(SaslAuthenticationException.class);

        Map<String, Object> untrusted = config(Map.of());
        untrusted.remove("ssl.truststore.type");
        untrusted.remove("ssl.truststore.location");
        assertThatThrownBy(() -> listTopics(untrusted)).as("the JDK's CAs do not know the cluster's")
                .hasCauseInstanceOf(SslAuthenticationException.class)
                .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class);

        Map<String, Object> oauth = config(Map.of(SaslConfigs.SASL_MECHANISM, "OAUTHBEARER", SaslConfigs.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"admin\";"));
        assertThatThrownBy(() -> listTopics(oauth)).hasRootCauseInstanceOf(UnsupportedSaslMechanismException.class);
    }

    @Test
    void aUserWithoutAclsIsRefusedUntilTheAdminGrantsThem() throws Exception {
        try (Admin client = Admin.create(config(Map.of()))) {
            client.createTopics(List.of(new NewTopic("for-bob", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
            client.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion("bob",
                    new org.apache.kafka.clients.admin.ScramCredentialInfo(
                            org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512, 8192), "bob-secret")))
                    .all().get(60, TimeUnit.SECONDS);
        }
        Map<String, Object> bob = config(Map.of(SaslConfigs.SASL_JAAS_CONFIG,
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"bob\" password=\"bob-secret\";",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
        // Each node learns bob's credential when it applies the metadata record: until then it refuses
        // him (SaslAuthenticationException), as a Kafka broker does. Wait until every node takes him.
        List<String> brokers;
        try (Admin client = Admin.create(config(Map.of()))) { // node 4 too, when another test added it
            brokers = client.describeCluster().nodes().get(60, TimeUnit.SECONDS).stream()
                    .map(n -> n.host() + ":" + n.port()).toList();
        }
        for (String node : brokers) {
            Map<String, Object> bobOnNode = new HashMap<>(bob);
            bobOnNode.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, node);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                try (Admin asBob = Admin.create(bobOnNode)) {
                    assertThat(asBob.listTopics().names().get(10, TimeUnit.SECONDS)).as("no ACLs: sees nothing").isEmpty();
                }
            });
        }
        try (Admin asBob = Admin.create(bob)) {
            assertThatThrownBy(() -> asBob.createTopics(List.of(new NewTopic("bobs", 1, (short) 3))).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
        }

        try (Admin client = Admin.create(config(Map.of()))) {
            client.createAcls(List.of(new org.apache.kafka.common.acl.AclBinding(
                    new org.apache.kafka.common.resource.ResourcePattern(org.apache.kafka.common.resource.ResourceType.TOPIC,
                            "for-bob", org.apache.kafka.common.resource.PatternType.LITERAL),
                    new org.apache.kafka.common.acl.AccessControlEntry("User:bob", "*",
                            org.apache.kafka.common.acl.AclOperation.DESCRIBE,
                            org.apache.kafka.common.acl.AclPermissionType.ALLOW)))).all().get(60, TimeUnit.SECONDS);
        }
        try (Admin asBob = Admin.create(bob)) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(asBob.listTopics().names().get(30, TimeUnit.SECONDS)).containsExactly("for-bob"));
        }
    }

    @Test
    void healthAndMetricsNeedTheClustersToken() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI health = URI.create("http://127.0.0.1:" + (basePort + 200) + "/health");
        String token = Files.readString(dir.resolve("http.token")).trim();

        assertThat(http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()).statusCode())
                .isEqualTo(401);
        assertThat(http.send(HttpRequest.newBuilder(health).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        assertThat(Files.getPosixFilePermissions(dir.resolve("http.token")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("tls").resolve("ca.key")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void theQuorumPortTakesOnlyTlsConnectionsWithACertificateFromTheClustersCa() throws Exception {
        int quorumPort = basePort + 100;
        Path ca = dir.resolve("tls").resolve("ca.crt");
        assertThat(http2Settings(new java.net.Socket("127.0.0.1", quorumPort)))
                .as("plaintext HTTP/2 (plain gRPC) gets no answer").isFalse();
        javax.net.ssl.SSLContext noCertificate = tls(ca, null);
        assertThatThrownBy(() -> http2Settings(noCertificate.getSocketFactory().createSocket("127.0.0.1", quorumPort)))
                .as("TLS without a client certificate").isInstanceOf(IOException.class);
        // A node's own certificate (server and client usage) gets the gRPC server's HTTP/2 SETTINGS frame.
        javax.net.ssl.SSLContext node = tls(ca, dir.resolve("node-1").resolve("tls").resolve("node.pem"));
        assertThat(http2Settings(node.getSocketFactory().createSocket("127.0.0.1", quorumPort))).isTrue();
    }

    @Test
    void aBrokerAddedToTheSecureClusterLearnsMetadataOverTheTlsQuorum() throws Exception {
        assertThat(weir("cluster", "add-node", "--dir", dir.toString())).as("add-node; node logs kept as target/SecureClusterTest-node-N.log").isZero();
        assertThat(io.weir.broker.node.NodeConfig.load(dir.resolve("node-4").resolve("node.yaml")).coordination()
                .quorumTls()).isTrue();
        // Node 4 knows the other brokers only from the metadata log it receives as a Ratis listener.
        Map<String, Object> viaNode4 = config(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + (basePort + 3)));
        try (Admin client = Admin.create(viaNode4)) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() ->
                    client.describeCluster().nodes().get(30, TimeUnit.SECONDS).size() == 4);
        }
    }

    private static javax.net.ssl.SSLContext tls(Path ca, Path keyAndChain) throws Exception {
        io.netty.handler.ssl.SslContextBuilder builder = io.netty.handler.ssl.SslContextBuilder.forClient()
                .sslProvider(io.netty.handler.ssl.SslProvider.JDK).trustManager(ca.toFile());
        if (keyAndChain != null) builder.keyManager(keyAndChain.toFile(), keyAndChain.toFile());
        return ((io.netty.handler.ssl.JdkSslContext) builder.build()).context();
    }

    /** Sends HTTP/2's preface and an empty SETTINGS frame: whether a SETTINGS frame comes back. */
    private static boolean http2Settings(java.net.Socket socket) throws IOException {
        try (socket) {
            socket.setSoTimeout(10_000);
            if (socket instanceof javax.net.ssl.SSLSocket tls) {
                // gRPC's server speaks HTTP/2 over TLS only to clients that ask for it (ALPN "h2").
                javax.net.ssl.SSLParameters parameters = tls.getSSLParameters();
                parameters.setApplicationProtocols(new String[] {"h2"});
                tls.setSSLParameters(parameters);
            }
            socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            socket.getOutputStream().flush();
            byte[] header = socket.getInputStream().readNBytes(9);
            if (header.length < 9 && socket instanceof javax.net.ssl.SSLSocket) {
                throw new java.io.EOFException("the quorum member closed the TLS connection");
            }
            return header.length == 9 && header[3] == 4;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    @Test
    void kcatProducesAndConsumesWithTheLibrdkafkaConfig() throws Exception {
        Assumptions.assumeTrue(onPath("kcat"), "kcat is not installed (.ci/run installs Debian's kcat)");
        try (Admin client = Admin.create(config(Map.of()))) {
            client.createTopics(List.of(new NewTopic("from-kcat", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
        }
        String config = dir.resolve(SecureCluster.LIBRDKAFKA_CONFIG).toString();

        Run produce = run(List.of("kcat", "-F", config, "-b", bootstrap, "-P", "-t", "from-kcat", "-K:"), "a:one\nb:two\n");
        assertThat(produce.code).as(produce.output).isZero();
        Run consume = run(List.of("kcat", "-F", config, "-b", bootstrap, "-C", "-t", "from-kcat", "-e", "-f", "%k=%s\\n"), "");
        assertThat(consume.code).as(consume.output).isZero();
        assertThat(consume.output).contains("a=one", "b=two");
        assertThat(consumeAll("from-kcat", 2)).extracting(ConsumerRecord::value).containsExactly("one", "two");

        Path wrong = dir.resolve("wrong-librdkafka.config");
        Files.writeString(wrong, Files.readString(Path.of(config)).replaceAll("sasl.password=.*", "sasl.password=not-it"));
        Run refused = run(List.of("kcat", "-F", wrong.toString(), "-b", bootstrap, "-L", "-m", "10"), "");
        assertThat(refused.code).isNotZero();
        assertThat(refused.output).contains("Authentication failed");
    }

    @Test
    void kafkajsProducesWithScramSha512AndAWrongPasswordIsRefused() throws Exception {
        Path script = Path.of("src", "test", "node", "scram-produce.js").toAbsolutePath();
        Assumptions.assumeTrue(onPath("node") && Files.isDirectory(script.getParent().resolve("node_modules").resolve("kafkajs")),
                "node or kafkajs is missing (.ci/run runs npm ci in cli/src/test/node)");
        try (Admin client = Admin.create(config(Map.of()))) {
            client.createTopics(List.of(new NewTopic("from-kafkajs", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
        }
        String password = Files.readAllLines(dir.resolve(SecureCluster.LIBRDKAFKA_CONFIG)).stream()
                .filter(l -> l.startsWith("sasl.password=")).findFirst().orElseThrow().substring("sasl.password=".length());
        String ca = dir.resolve("tls").resolve("ca.crt").toString();

        Run sent = run(List.of("node", script.toString(), bootstrap, "admin", password, ca, "from-kafkajs"), "");
        assertThat(sent.code).as(sent.output).isZero();
        assertThat(consumeAll("from-kafkajs", 1)).extracting(ConsumerRecord::value).containsExactly("from-kafkajs");

        Run refused = run(List.of("node", script.toString(), bootstrap, "admin", "not-it", ca, "from-kafkajs"), "");
        assertThat(refused.code).isNotZero();
        assertThat(refused.output).contains("SASL SCRAM SHA512 authentication failed");
    }

    private Map<String, Object> config(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>();
        admin.forEach((k, v) -> config.put(k.toString(), v));
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.putAll(overrides);
        return config;
    }

    private List<ConsumerRecord<String, String>> consumeAll(String topic, int count) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config(Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class)))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
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

    private static void listTopics(Map<String, Object> config) throws Exception {
        Map<String, Object> c = new HashMap<>(config);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin client = Admin.create(c)) {
            client.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new Exception(e.getCause());
        }
    }

    private static int weir(String... args) {
        return new CommandLine(new WeirCli()).execute(args);
    }

    private static String weirOutput(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(weir(args)).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private record Run(int code, String output) {
    }

    private static Run run(List<String> command, String input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Run(-1, "timed out: " + new String(output, StandardCharsets.UTF_8));
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, program))) return true;
        }
        return false;
    }

    /** A base port P with P..P+2 (Kafka), P+100.. (quorum) and P+200.. (HTTP) free now. */
    private static int freeBasePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            if (free(base) && free(base + 100) && free(base + 200)) return base;
        }
        throw new IllegalStateException("no free base port");
    }

    private static boolean free(int first) {
        for (int port = first; port < first + 3; port++) {
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
