package io.weir.broker.network;

import io.netty.handler.ssl.SslContext;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.util.Objects;
import java.util.Optional;

/**
 * How one Kafka listener is secured, as Kafka's {@code listener.security.protocol.map} says:
 * TLS (SSL, SASL_SSL) with {@code tls} wrapping every connection, and SASL (SASL_PLAINTEXT,
 * SASL_SSL) required before any request but ApiVersions, SaslHandshake and SaslAuthenticate.
 *
 * @param name     the listener's name, as RequestContext carries it and brokers register it
 * @param protocol its security protocol
 * @param tls      the server TLS context, present exactly for SSL and SASL_SSL
 * @param maxReauthMs {@code connections.max.reauth.ms}: SASL sessions last this long unless
 *                 re-authenticated; 0 for sessions that never end
 */
public record ListenerSecurity(String name, SecurityProtocol protocol, Optional<SslContext> tls, long maxReauthMs) {
    /** Weir's one listener before named listeners: PLAINTEXT, named PLAINTEXT. */
    public static final ListenerSecurity PLAINTEXT = new ListenerSecurity("PLAINTEXT", SecurityProtocol.PLAINTEXT,
            Optional.empty(), 0);

    public ListenerSecurity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(protocol, "protocol");
        if (maxReauthMs < 0) throw new IllegalArgumentException("connections.max.reauth.ms must not be negative");
        if (tls.isPresent() != usesTls(protocol)) {
            throw new IllegalArgumentException("listener " + name + " (" + protocol + ") "
                    + (tls.isPresent() ? "takes no TLS context" : "needs a TLS context"));
        }
    }

    public ListenerName listenerName() {
        return new ListenerName(name);
    }

    /** Whether clients must authenticate with SASL before anything else. */
    public boolean requiresSasl() {
        return protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
    }

    public static boolean usesTls(SecurityProtocol protocol) {
        return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
    }

    /**
     * A TLS connection's client certificate as a principal, {@code User:<distinguished name>}
     * (Kafka's default principal builder); ANONYMOUS without TLS or without a client certificate.
     */
    static KafkaPrincipal tlsPrincipal(io.netty.handler.ssl.SslHandler tls) {
        if (tls == null) return KafkaPrincipal.ANONYMOUS;
        try {
            return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, tls.engine().getSession().getPeerPrincipal().getName());
        } catch (javax.net.ssl.SSLPeerUnverifiedException noClientCertificate) {
            return KafkaPrincipal.ANONYMOUS; // ssl.client.auth none or requested, and the client sent none
        }
    }
}
