package io.weir.broker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * TLS material made fresh for a test with the JDK's keytool (nothing checked in): a node
 * certificate for 127.0.0.1 and localhost, a client certificate, PKCS12 key stores for each, a
 * trust store that trusts both, and the node's key and certificate as one PEM file.
 */
public final class TestCertificates {
    public static final String PASSWORD = "test-password";

    public final Path nodeKeystore;
    public final Path nodePem;
    public final Path clientKeystore;
    public final Path truststore;
    public final Path truststorePem;

    private TestCertificates(Path dir) {
        nodeKeystore = dir.resolve("node.p12");
        nodePem = dir.resolve("node.pem");
        clientKeystore = dir.resolve("client.p12");
        truststore = dir.resolve("truststore.p12");
        truststorePem = dir.resolve("truststore.pem");
    }

    public static TestCertificates create(Path dir) throws Exception {
        Files.createDirectories(dir);
        TestCertificates c = new TestCertificates(dir);
        keyPair(c.nodeKeystore, "node", "CN=weir-node", "SAN=ip:127.0.0.1,dns:localhost");
        keyPair(c.clientKeystore, "client", "CN=alice", null);
        Path nodeCert = dir.resolve("node.crt");
        Path clientCert = dir.resolve("client.crt");
        keytool("-exportcert", "-rfc", "-keystore", c.nodeKeystore.toString(), "-storepass", PASSWORD, "-alias", "node",
                "-file", nodeCert.toString());
        keytool("-exportcert", "-rfc", "-keystore", c.clientKeystore.toString(), "-storepass", PASSWORD, "-alias", "client",
                "-file", clientCert.toString());
        for (String alias : List.of("node", "client")) {
            keytool("-importcert", "-noprompt", "-storetype", "PKCS12", "-keystore", c.truststore.toString(),
                    "-storepass", PASSWORD, "-alias", alias, "-file", (alias.equals("node") ? nodeCert : clientCert).toString());
        }
        Files.writeString(c.truststorePem, Files.readString(nodeCert) + Files.readString(clientCert));
        c.writePem(nodeCert);
        return c;
    }

    /** The node's private key (PKCS#8) and certificate in one PEM file, as Kafka's PEM key store type reads it. */
    private void writePem(Path nodeCert) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(nodeKeystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("node", PASSWORD.toCharArray());
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n" + Files.readString(nodeCert);
        Files.writeString(nodePem, pem);
    }

    private static void keyPair(Path keystore, String alias, String dname, String extension) throws Exception {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD,
                "-alias", alias, "-dname", dname));
        if (extension != null) {
            args.add("-ext");
            args.add(extension);
        }
        keytool(args.toArray(String[]::new));
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + new String(output, StandardCharsets.UTF_8));
        }
    }
}
