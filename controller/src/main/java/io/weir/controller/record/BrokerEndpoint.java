package io.weir.controller.record;

import java.util.Objects;

/** A listener a broker accepts connections on, e.g. {@code PLAINTEXT://127.0.0.1:9092}. */
public record BrokerEndpoint(String listener, String host, int port, String securityProtocol) {
    public BrokerEndpoint {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        securityProtocol = securityProtocol == null ? "PLAINTEXT" : securityProtocol;
    }
}
