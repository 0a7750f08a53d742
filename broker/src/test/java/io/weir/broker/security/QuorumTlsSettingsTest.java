package io.weir.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.testing.TestCertificates;
import io.weir.metadata.quorum.QuorumTls;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quorum port's mutual TLS from a node's Kafka ssl settings: the node's own certificate to
 * show, and the trust store's certificates only (never the JDK's CAs) to check the peer's; and a
 * node file that asks for it without both stores is refused when loaded.
 */
class QuorumTlsSettingsTest {
    @TempDir
    Path dir;

    @Test
    void pemAndPkcs12StoresGiveTheNodesCertificateAndTrustOnlyTheTrustStore() throws Exception {
        TestCertificates certs = TestCertificates.create(dir.resolve("tls"));
        QuorumTls pem = new TlsSettings(certs.nodePem, null, "PEM", null, certs.truststorePem, null, "PEM",
                "none", "https").quorumTls();
        QuorumTls pkcs12 = new TlsSettings(certs.nodeKeystore, TestCertificates.PASSWORD, "PKCS12", null,
                certs.truststore, TestCertificates.PASSWORD, "PKCS12", "none", "https").quorumTls();

        for (QuorumTls tls : List.of(pem, pkcs12)) {
            String alias = tls.keyManager().chooseServerAlias("EC", null, null) != null
                    ? tls.keyManager().chooseServerAlias("EC", null, null)
                    : tls.keyManager().chooseServerAlias("RSA", null, null);
            X509Certificate[] chain = tls.keyManager().getCertificateChain(alias);
            assertThat(chain[0].getSubjectX500Principal().getName()).isEqualTo("CN=weir-node");
            assertThat(tls.keyManager().getPrivateKey(alias)).isNotNull();
            assertThat(tls.trustManager().getAcceptedIssuers()).extracting(c -> c.getSubjectX500Principal().getName())
                    .containsExactlyInAnyOrder("CN=weir-node", "CN=alice");
        }
        assertThatThrownBy(() -> new TlsSettings(certs.nodePem, null, "PEM", null, null, null, "PEM", "none", "https")
                .quorumTls()).hasMessageContaining("ssl.truststore.location");
    }

    @Test
    void aQuorumOnTlsNeedsTheKeyAndTrustStores() {
        List<NodeConfig.Voter> voters = List.of(new NodeConfig.Voter(1, "127.0.0.1", 19192, 19092));
        NodeConfig plain = NodeConfig.of(1, "weir", dir.resolve("data"), new NodeConfig.Listeners("127.0.0.1:19092", null),
                new NodeConfig.Coordination("ratis", voters));
        NodeConfig.Coordination ssl = plain.coordination().withQuorumSecurityProtocol("ssl");

        assertThat(ssl.quorumTls()).isTrue();
        assertThat(plain.coordination().quorumTls()).isFalse();
        assertThatThrownBy(() -> plain.with(Map.of("coordination", ssl, "ssl.keystore.location", "/k.pem")))
                .hasMessageContaining("coordination.quorum.security.protocol SSL needs ssl.keystore.location")
                .hasMessageContaining("ssl.truststore.location");
        NodeConfig secured = plain.with(Map.of("coordination", ssl, "ssl.keystore.location", "/k.pem",
                "ssl.keystore.type", "PEM", "ssl.truststore.location", "/ca.pem", "ssl.truststore.type", "PEM"));
        assertThat(secured.toYaml()).contains("quorum.security.protocol: SSL");
        assertThat(secured.brokerConfigs()).anyMatch(c -> c.name().equals("coordination.quorum.security.protocol")
                && c.value().equals("SSL"));
        assertThatThrownBy(() -> new NodeConfig.Coordination("ratis", voters, null, null, "SASL_SSL"))
                .hasMessageContaining("coordination.quorum.security.protocol must be PLAINTEXT or SSL");
        assertThatThrownBy(() -> NodeConfig.Coordination.zookeeper(new NodeConfig.ZooKeeper("zk:2181"))
                .withQuorumSecurityProtocol("SSL")).hasMessageContaining("only for the ratis backend");
    }
}
