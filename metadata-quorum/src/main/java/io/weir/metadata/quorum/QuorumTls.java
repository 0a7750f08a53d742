package io.weir.metadata.quorum;

import java.util.Objects;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * Mutual TLS on the quorum port. With it, every Raft RPC (server to server, admin and client)
 * runs over Ratis' gRPC transport with TLS, and both ends must present a certificate that
 * {@code trustManager} accepts: a member's server asks every connecting peer for its certificate
 * (TLS client authentication required), and a member dialling another checks the other's.
 *
 * @param keyManager this node's private key and certificate chain; the certificate must be usable
 *     both as a TLS server and as a TLS client certificate (extended key usage serverAuth and
 *     clientAuth, or none), and name the host of the node's quorum address
 * @param trustManager the certificates a peer's certificate must chain to: the cluster's own CA
 *     only, since anyone holding a certificate it accepts can join the quorum's traffic
 */
public record QuorumTls(X509KeyManager keyManager, X509TrustManager trustManager) {
    public QuorumTls {
        Objects.requireNonNull(keyManager, "keyManager");
        Objects.requireNonNull(trustManager, "trustManager");
    }

    @Override
    public String toString() {
        return "QuorumTls[mutual]";
    }
}
