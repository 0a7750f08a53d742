package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local cluster's CA: made once, kept, and signing node certificates TLS accepts for 127.0.0.1. */
class LocalCertificateAuthorityTest {
    @TempDir
    Path dir;

    @Test
    void aNodeCertificateIsSignedByTheCaForLoopbackAndItsKeyIsOwnerOnly() throws Exception {
        LocalCertificateAuthority ca = LocalCertificateAuthority.in(dir.resolve("tls"), "test");
        Path node = dir.resolve("node-1").resolve("node.pem");

        ca.issue("weir-node-1", node);

        String pem = Files.readString(node);
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
        List<X509Certificate> chain = certificates(pem);
        X509Certificate caCert = certificates(Files.readString(ca.certificateFile())).get(0);
        assertThat(chain).hasSize(2);
        chain.get(0).verify(caCert.getPublicKey());
        chain.get(0).checkValidity();
        assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=weir-node-1");
        assertThat(chain.get(0).getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)).toList())
                .containsExactlyInAnyOrder("127.0.0.1", "localhost");
        assertThat(chain.get(0).getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(caCert.getBasicConstraints()).isZero();
        assertThat(Files.getPosixFilePermissions(node)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("tls").resolve("ca.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void theCaIsMadeOnceAndReadBackLater() throws Exception {
        LocalCertificateAuthority first = LocalCertificateAuthority.in(dir, "test");
        String certificate = Files.readString(first.certificateFile());

        LocalCertificateAuthority again = LocalCertificateAuthority.in(dir, "test");
        again.issue("weir-node-2", dir.resolve("node-2.pem"));

        assertThat(Files.readString(again.certificateFile())).isEqualTo(certificate);
        X509Certificate caCert = certificates(certificate).get(0);
        certificates(Files.readString(dir.resolve("node-2.pem"))).get(0).verify(caCert.getPublicKey());
    }

    private static List<X509Certificate> certificates(String pem) throws Exception {
        String certs = pem.substring(pem.indexOf("-----BEGIN CERTIFICATE-----"));
        return CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(certs.getBytes(StandardCharsets.US_ASCII))).stream()
                .map(c -> (X509Certificate) c).toList();
    }
}
