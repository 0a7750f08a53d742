package io.weir.cli;

import io.weir.broker.node.NodeConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * What {@code cluster up --secure} adds to a local cluster (docs/SECURITY.md): every node's one
 * Kafka listener is SASL_SSL (SCRAM-SHA-512 and -256) with a certificate from the cluster's own
 * {@link LocalCertificateAuthority}, nodes talk to each other over it and prove the cluster
 * secret, {@code /metrics} and {@code /health} need the cluster's bearer token, requests are
 * authorized against ACLs (the admin user and the nodes are super users), the metadata quorum's
 * port (Ratis) runs mutual TLS with the same node certificates; and the cluster
 * gets a user {@value #ADMIN} whose client settings are written for Kafka's tools
 * ({@code client.properties}, with {@code --command-config}: SCRAM-SHA-512) and for librdkafka
 * clients such as kcat ({@code librdkafka.config}, with {@code -F}: PLAIN, inside TLS, because
 * librdkafka before 2.6.1, Debian 12's kcat among them, sends a SCRAM nonce that Kafka 4 and Weir
 * refuse, as RFC 5802 requires). A cluster directory is secure when it holds
 * {@code tls/ca.crt}; every later command on it ({@code status}, {@code add-node}, ...) then
 * connects as the admin user.
 */
final class SecureCluster {
    static final String ADMIN = "admin";
    static final String LIBRDKAFKA_CONFIG = "librdkafka.config";
    static final String HTTP_TOKEN = "http.token";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Kafka's SCRAM iterations default; within the 4,096..16,384 nodes accept. */
    private static final int ITERATIONS = 8192;

    private final Path dir;

    SecureCluster(Path dir) {
        this.dir = dir;
    }

    static boolean isSecure(Path dir) {
        return Files.exists(caFile(dir));
    }

    private static Path caFile(Path dir) {
        return dir.resolve("tls").resolve("ca.crt");
    }

    /** The bearer token {@code /metrics} and {@code /health} need on a secure cluster, else none. */
    static java.util.Optional<String> httpToken(Path dir) throws IOException {
        Path file = dir.resolve(HTTP_TOKEN);
        return Files.exists(file) ? java.util.Optional.of(Files.readString(file).trim()) : java.util.Optional.empty();
    }

    /**
     * {@code plain} made secure: its Kafka listener SASL_SSL on the same address, with a
     * certificate for node {@code id} (issued once, under {@code nodeDir/tls}), the cluster's CA as
     * the trust store, and the HTTP token.
     */
    NodeConfig secure(NodeConfig plain, int id, Path nodeDir) throws IOException {
        LocalCertificateAuthority ca = LocalCertificateAuthority.in(dir.resolve("tls"), plain.clusterId());
        ensureSecretFile(dir.resolve(HTTP_TOKEN));
        Path keystore = nodeDir.resolve("tls").resolve("node.pem").toAbsolutePath();
        if (!Files.exists(keystore)) ca.issue("weir-node-" + id, keystore);
        NodeConfig.HostPort kafka = plain.kafkaListener();
        Map<String, Object> settings = new java.util.HashMap<>(Map.of(
                "listeners", new NodeConfig.Listeners("SASL_SSL://" + kafka.host() + ":" + kafka.port(), plain.listeners().http()),
                "ssl.keystore.location", keystore.toString(),
                "ssl.keystore.type", "PEM",
                "ssl.truststore.location", ca.certificateFile().toAbsolutePath().toString(),
                "ssl.truststore.type", "PEM",
                "sasl.enabled.mechanisms", "SCRAM-SHA-512,SCRAM-SHA-256,PLAIN",
                "http.token.file", dir.resolve(HTTP_TOKEN).toAbsolutePath().toString(),
                "authorizer.class.name", NodeConfig.KAFKA_STANDARD_AUTHORIZER,
                "super.users", "User:" + ADMIN));
        if (plain.coordination().backend().equals("ratis")) {
            // The same certificate, as server and client (its extended key usage has both), on the quorum port.
            settings.put("coordination", plain.coordination().withQuorumSecurityProtocol("SSL"));
        }
        return plain.with(settings);
    }

    /**
     * Makes sure user {@value #ADMIN} exists with the password of {@code client.properties} (a new
     * random one the first time), and writes the client files. The user is created as a cluster
     * member (the cluster secret), which only whoever can read the cluster directory can be.
     */
    void ensureAdmin(String bootstrap, Path secretFile) throws Exception {
        String password = existingPassword().orElseGet(() -> random(24));
        String secret = Files.readString(secretFile).lines().findFirst().orElseThrow().trim();
        Map<String, Object> member = clientConfig(bootstrap, "weir-node-1", secret);
        // Patient: right after start, nodes may still be electing and registering.
        member.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 180_000);
        try (Admin admin = Admin.create(member)) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion(ADMIN, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), password),
                    new UserScramCredentialUpsertion(ADMIN, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, ITERATIONS), password)))
                    .all().get(180, TimeUnit.SECONDS);
        }
        writeClientFiles(password);
    }

    /** Kafka client settings to reach the cluster as {@code user} over SASL_SSL (SCRAM-SHA-512). */
    Map<String, Object> clientConfig(String bootstrap, String user, String password) {
        Map<String, Object> config = new java.util.HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        config.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
        config.put(SaslConfigs.SASL_JAAS_CONFIG, jaas(user, password));
        config.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
        config.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, caFile(dir).toAbsolutePath().toString());
        return config;
    }

    private void writeClientFiles(String password) throws IOException {
        String ca = caFile(dir).toAbsolutePath().toString();
        LocalCertificateAuthority.writePrivate(dir.resolve(ClientOptions.CLIENT_PROPERTIES), String.join("\n",
                "# Kafka client settings for this cluster's admin user (weir cluster up --secure).",
                "# Kafka's tools: --command-config " + dir.toAbsolutePath().resolve(ClientOptions.CLIENT_PROPERTIES),
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=" + jaas(ADMIN, password),
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + ca,
                ""));
        LocalCertificateAuthority.writePrivate(dir.resolve(LIBRDKAFKA_CONFIG), String.join("\n",
                "# librdkafka settings (kcat -F this file) for this cluster's admin user. PLAIN inside TLS:",
                "# librdkafka before 2.6.1 cannot do SCRAM with Kafka 4 or Weir (librdkafka#4895).",
                "security.protocol=SASL_SSL",
                "sasl.mechanisms=PLAIN",
                "sasl.username=" + ADMIN,
                "sasl.password=" + password,
                "ssl.ca.location=" + ca,
                ""));
    }

    private java.util.Optional<String> existingPassword() throws IOException {
        Path file = dir.resolve(LIBRDKAFKA_CONFIG);
        if (!Files.exists(file)) return java.util.Optional.empty();
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            properties.load(in);
        }
        return java.util.Optional.ofNullable(properties.getProperty("sasl.password"));
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /**
     * Makes {@code file}, unless it exists, with 32 random bytes (URL-safe Base64) on its first
     * line, readable by its owner only, written atomically: the cluster secret and the HTTP token.
     */
    static void ensureSecretFile(Path file) throws IOException {
        if (Files.exists(file)) return;
        Files.createDirectories(file.getParent());
        LocalCertificateAuthority.writePrivate(file, random(32) + "\n");
    }

    /** {@code bytes} random bytes, URL-safe Base64: no character a properties or JAAS file would need escaped. */
    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
