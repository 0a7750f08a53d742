package io.weir.controller.record;

import java.util.Objects;

/**
 * A user's SCRAM credential for one mechanism was set (Kafka's UserScramCredentialRecord): what
 * a SCRAM server needs, never the password. Byte fields are base64.
 *
 * @param mechanism  SCRAM-SHA-256 or SCRAM-SHA-512
 * @param salt       the salt the client salted the password with
 * @param storedKey  H(ClientKey), checked against the client's proof
 * @param serverKey  the key the server signs its final message with
 * @param iterations the salting iterations
 */
public record UserScramCredentialRecord(int version, String name, String mechanism, String salt, String storedKey,
                                        String serverKey, int iterations) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public UserScramCredentialRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mechanism, "mechanism");
    }

    public UserScramCredentialRecord(String name, String mechanism, String salt, String storedKey, String serverKey,
                                     int iterations) {
        this(CURRENT_VERSION, name, mechanism, salt, storedKey, serverKey, iterations);
    }

    @Override
    public String toString() {
        return "UserScramCredentialRecord[" + name + ", " + mechanism + ", iterations=" + iterations + "]";
    }
}
