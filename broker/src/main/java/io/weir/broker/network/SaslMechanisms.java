package io.weir.broker.network;

import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import java.util.List;

/**
 * The SASL mechanisms a listener offers in SaslHandshake, and a fresh server-side exchange for
 * each (the JDK's {@link SaslServer}, as kafka-clients' SCRAM and PLAIN servers implement it).
 * The listener drives the exchange ({@link SaslSession}); this says only who may pass.
 */
public interface SaslMechanisms {
    /** No mechanism: SaslHandshake answers UNSUPPORTED_SASL_MECHANISM. */
    SaslMechanisms NONE = new SaslMechanisms() {
        @Override
        public List<String> names() {
            return List.of();
        }

        @Override
        public SaslServer newServer(String mechanism) throws SaslException {
            throw new SaslException("no SASL mechanism is enabled");
        }
    };

    /** The mechanisms offered, as SaslHandshake lists them. */
    List<String> names();

    /** A new exchange for one of {@link #names()}. */
    SaslServer newServer(String mechanism) throws SaslException;
}
