package io.weir.broker.node;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The checks {@link NodeConfig} makes of single settings once their defaults are in: each failure
 * is an IllegalArgumentException that names the key at fault.
 */
final class SettingChecks {
    private static final List<String> SASL_MECHANISMS = List.of("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN");

    private SettingChecks() {
    }

    static void positive(String key, long value) {
        if (value <= 0) throw new IllegalArgumentException(key + " must be positive");
    }

    static void notNegative(String key, long value) {
        if (value < 0) throw new IllegalArgumentException(key + " must not be negative");
    }

    static void atLeast(String key, long value, long min) {
        if (value < min) throw new IllegalArgumentException(key + " must be at least " + min);
    }

    /** {@code value} is one of {@code allowed}: "key must be a, b or c, not value" otherwise. */
    static void oneOf(String key, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            String last = allowed.get(allowed.size() - 1);
            throw new IllegalArgumentException(key + " must be "
                    + String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or " + last + ", not " + value);
        }
    }

    /** The mechanisms of a {@code sasl.enabled.mechanisms} list, without empty entries. */
    static List<String> mechanisms(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
    }

    /** Each of {@code sasl.enabled.mechanisms} is one Weir serves. */
    static void saslMechanisms(String list) {
        for (String mechanism : mechanisms(list)) {
            if (!SASL_MECHANISMS.contains(mechanism)) {
                throw new IllegalArgumentException("sasl.enabled.mechanisms: " + mechanism
                        + " is not SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN");
            }
        }
    }

    /** TLS on a Kafka listener needs this node's keystore; TLS on the quorum port needs its truststore too. */
    static void tlsStores(KafkaListeners listeners, NodeConfig.Coordination coordination, Path keystore,
                          Path truststore) {
        boolean tls = listeners.all().stream().anyMatch(l -> l.protocol() == SecurityProtocol.SSL
                || l.protocol() == SecurityProtocol.SASL_SSL);
        if (tls && keystore == null) {
            throw new IllegalArgumentException("an SSL or SASL_SSL listener needs ssl.keystore.location");
        }
        if (coordination.quorumTls() && (keystore == null || truststore == null)) {
            throw new IllegalArgumentException("coordination.quorum.security.protocol SSL needs ssl.keystore.location"
                    + " (this node's certificate) and ssl.truststore.location (the cluster's CA only)");
        }
    }
}
