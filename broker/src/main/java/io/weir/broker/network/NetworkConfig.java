package io.weir.broker.network;

import java.util.Objects;

/**
 * Limits and addresses of one Kafka listener. Every field is an explicit bound: the server never
 * allocates more than {@code maxRequestBytes} for one request, never runs more than
 * {@code handlerThreads} handlers at once, and stops reading from a connection that has
 * {@code maxInFlightPerConnection} requests waiting for their responses.
 *
 * @param host address to bind, e.g. 127.0.0.1
 * @param port port to bind; 0 picks a free port (see {@link KafkaServer#boundAddress()})
 * @param maxRequestBytes Kafka's {@code socket.request.max.bytes}: larger frames close the connection
 * @param handlerThreads size of the request handler pool (Kafka's {@code num.io.threads})
 * @param maxInFlightPerConnection pipelined requests per connection before reads pause
 * @param connectionsMaxIdleMs Kafka's {@code connections.max.idle.ms}: idle connections are closed
 */
public record NetworkConfig(String host, int port, int maxRequestBytes, int handlerThreads,
                            int maxInFlightPerConnection, long connectionsMaxIdleMs) {

    /** Kafka's default {@code socket.request.max.bytes}: 100 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024;
    /** Kafka's default {@code connections.max.idle.ms}: 10 minutes. */
    public static final long DEFAULT_CONNECTIONS_MAX_IDLE_MS = 10 * 60 * 1000L;

    public NetworkConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        if (maxRequestBytes <= 0) throw new IllegalArgumentException("maxRequestBytes must be positive");
        if (handlerThreads <= 0) throw new IllegalArgumentException("handlerThreads must be positive");
        if (maxInFlightPerConnection <= 0) throw new IllegalArgumentException("maxInFlightPerConnection must be positive");
        if (connectionsMaxIdleMs <= 0) throw new IllegalArgumentException("connectionsMaxIdleMs must be positive");
    }

    /** Defaults for a listener on {@code host:port}. */
    public static NetworkConfig of(String host, int port) {
        return new NetworkConfig(host, port, DEFAULT_MAX_REQUEST_BYTES,
                Math.max(2, Runtime.getRuntime().availableProcessors()), 100, DEFAULT_CONNECTIONS_MAX_IDLE_MS);
    }

    public NetworkConfig withMaxRequestBytes(int bytes) {
        return new NetworkConfig(host, port, bytes, handlerThreads, maxInFlightPerConnection, connectionsMaxIdleMs);
    }

    public NetworkConfig withHandlerThreads(int threads) {
        return new NetworkConfig(host, port, maxRequestBytes, threads, maxInFlightPerConnection, connectionsMaxIdleMs);
    }
}
