package io.weir.replication;

import javax.net.ssl.SSLContext;
import java.util.Objects;
import java.util.Optional;

/**
 * How a node's own connections to other nodes (replica fetchers, the controller channel) reach
 * them: on which of their listeners (Kafka's {@code inter.broker.listener.name}), over TLS or not,
 * and with which SASL login, as that listener's security protocol asks.
 *
 * @param listenerName   the listener whose registered endpoint is dialled
 * @param tls            the TLS client context (SSL, SASL_SSL), which also presents this node's certificate
 * @param verifyHostname whether the peer's certificate must name the host dialled ({@code ssl.endpoint.identification.algorithm=https})
 * @param sasl           the SASL login (SASL_PLAINTEXT, SASL_SSL, or cluster membership on any listener)
 */
public record InterBrokerSecurity(String listenerName, Optional<SSLContext> tls, boolean verifyHostname,
                                  Optional<SaslLogin> sasl) {
    /** Weir's one PLAINTEXT listener, no authentication. */
    public static final InterBrokerSecurity PLAINTEXT = new InterBrokerSecurity("PLAINTEXT", Optional.empty(), false,
            Optional.empty());

    public InterBrokerSecurity {
        Objects.requireNonNull(listenerName, "listenerName");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(sasl, "sasl");
    }
}
