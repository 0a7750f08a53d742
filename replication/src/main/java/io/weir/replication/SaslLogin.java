package io.weir.replication;

import java.util.Objects;

/**
 * The identity a node's own Kafka-protocol connections (replica fetchers, the controller channel)
 * prove after connecting, with SASL SCRAM-SHA-512 (SaslHandshake v1, then SaslAuthenticate):
 * a challenge-response, so the password itself never crosses the wire.
 *
 * @param username the SCRAM user name (for cluster members, {@code weir-node-<id>})
 * @param password the SCRAM password (for cluster members, the cluster secret)
 */
public record SaslLogin(String username, String password) {
    public static final String MECHANISM = "SCRAM-SHA-512";

    public SaslLogin {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "SaslLogin[" + username + "]"; // never the password
    }
}
