package io.weir.broker.network;

import java.util.Objects;

/**
 * Limits and addresses of one Kafka listener. Every field is an explicit bound: the server never
 * buffers more than {@code maxRequestBytes} for one request nor (give or take one socket read per
 * I/O thread) more than {@code queuedMaxRequestBytes} for all of them, never runs more than
 * {@code handlerThreads} handlers at once, never holds more than {@code maxConnections}
 * connections, and stops reading from a connection whose unanswered requests reach
 * {@code maxInFlightPerConnection} or {@code queuedMaxRequestBytesPerConnection}.
 *
 * @param host address to bind, e.g. 127.0.0.1
 * @param port port to bind; 0 picks a free port (see {@link KafkaServer#boundAddress()})
 * @param maxRequestBytes Kafka's {@code socket.request.max.bytes}: larger frames close the connection
 * @param handlerThreads size of the request handler pool (Kafka's {@code num.io.threads})
 * @param maxInFlightPerConnection pipelined requests per connection before reads pause
 * @param connectionsMaxIdleMs Kafka's {@code connections.max.idle.ms}: idle connections are closed
 * @param queuedMaxRequestBytes Kafka's {@code queued.max.request.bytes}: bytes of requests read but
 *        not answered, over all connections, before ordinary connections stop reading
 * @param queuedMaxRequestBytesPerConnection the same bound for one connection's answered-later requests
 * @param maxConnections Kafka's {@code max.connections}: more are accepted and closed at once
 * @param maxConnectionsPerIp Kafka's {@code max.connections.per.ip}
 * @param listenBacklog Kafka's {@code socket.listen.backlog.size} (the kernel caps it at somaxconn)
 * @param requestReceiveTimeoutMs a request whose first byte arrived this long ago and whose last
 *        has not closes its connection (Weir's; Kafka has only the idle timeout)
 */
public record NetworkConfig(String host, int port, int maxRequestBytes, int handlerThreads,
                            int maxInFlightPerConnection, long connectionsMaxIdleMs,
                            long queuedMaxRequestBytes, long queuedMaxRequestBytesPerConnection,
                            int maxConnections, int maxConnectionsPerIp, int listenBacklog,
                            long requestReceiveTimeoutMs) {

    /** Kafka's default {@code socket.request.max.bytes}: 100 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024;
    /** Kafka's default {@code connections.max.idle.ms}: 10 minutes. */
    public static final long DEFAULT_CONNECTIONS_MAX_IDLE_MS = 10 * 60 * 1000L;
    /** Enough for a producer's five pipelined 1 MiB batches several times over. */
    public static final long DEFAULT_QUEUED_MAX_REQUEST_BYTES_PER_CONNECTION = 16L * 1024 * 1024;
    /**
     * Kafka's default is 50; a flood of connection attempts then drops legitimate SYNs. The kernel
     * caps the value at {@code net.core.somaxconn} (4096 on current Linux).
     */
    public static final int DEFAULT_LISTEN_BACKLOG = 1024;
    /** kafka-clients' {@code request.timeout.ms}: a client has given up on a request by then anyway. */
    public static final long DEFAULT_REQUEST_RECEIVE_TIMEOUT_MS = 30_000;

    public NetworkConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        if (maxRequestBytes <= 0) throw new IllegalArgumentException("socket.request.max.bytes must be positive");
        if (handlerThreads <= 0) throw new IllegalArgumentException("num.io.threads must be positive");
        if (maxInFlightPerConnection <= 0) throw new IllegalArgumentException("maxInFlightPerConnection must be positive");
        if (connectionsMaxIdleMs <= 0) throw new IllegalArgumentException("connections.max.idle.ms must be positive");
        if (queuedMaxRequestBytes < maxRequestBytes) {
            // A request larger than the pool could never be read whole once other requests hold memory.
            throw new IllegalArgumentException("queued.max.request.bytes (" + queuedMaxRequestBytes
                    + ") must be at least socket.request.max.bytes (" + maxRequestBytes + ")");
        }
        if (queuedMaxRequestBytesPerConnection <= 0) {
            throw new IllegalArgumentException("queued.max.request.bytes.per.connection must be positive");
        }
        if (maxConnections <= 0) throw new IllegalArgumentException("max.connections must be positive");
        if (maxConnectionsPerIp <= 0) throw new IllegalArgumentException("max.connections.per.ip must be positive");
        if (listenBacklog <= 0) throw new IllegalArgumentException("socket.listen.backlog.size must be positive");
        if (requestReceiveTimeoutMs <= 0) {
            throw new IllegalArgumentException("socket.request.receive.timeout.ms must be positive");
        }
    }

    /**
     * Defaults for a listener on {@code host:port}: {@code queued.max.request.bytes} is a quarter
     * of the heap (requests are buffered on the heap) but at least one largest request, and
     * {@code max.connections} is what the process's file descriptor limit leaves after the reserve
     * of a listener with no partition logs ({@link FileDescriptors#MIN_QUEUES} queues); a node sets
     * it from its own open-queue bound (NodeConfig).
     */
    public static NetworkConfig of(String host, int port) {
        return new NetworkConfig(host, port, DEFAULT_MAX_REQUEST_BYTES,
                Math.max(2, Runtime.getRuntime().availableProcessors()), 100, DEFAULT_CONNECTIONS_MAX_IDLE_MS,
                defaultQueuedMaxRequestBytes(DEFAULT_MAX_REQUEST_BYTES), DEFAULT_QUEUED_MAX_REQUEST_BYTES_PER_CONNECTION,
                FileDescriptors.defaultMaxConnections(FileDescriptors.reservedFor(FileDescriptors.MIN_QUEUES)), Integer.MAX_VALUE,
                DEFAULT_LISTEN_BACKLOG, DEFAULT_REQUEST_RECEIVE_TIMEOUT_MS);
    }

    /** A quarter of the maximum heap, but at least {@code maxRequestBytes}. */
    public static long defaultQueuedMaxRequestBytes(int maxRequestBytes) {
        return Math.max(maxRequestBytes, Runtime.getRuntime().maxMemory() / 4);
    }

    /** Sets {@code socket.request.max.bytes}, raising the memory pool to hold one such request if need be. */
    public NetworkConfig withMaxRequestBytes(int bytes) {
        return new NetworkConfig(host, port, bytes, handlerThreads, maxInFlightPerConnection, connectionsMaxIdleMs,
                Math.max(queuedMaxRequestBytes, bytes), queuedMaxRequestBytesPerConnection, maxConnections,
                maxConnectionsPerIp, listenBacklog, requestReceiveTimeoutMs);
    }

    public NetworkConfig withHandlerThreads(int threads) {
        return new NetworkConfig(host, port, maxRequestBytes, threads, maxInFlightPerConnection, connectionsMaxIdleMs,
                queuedMaxRequestBytes, queuedMaxRequestBytesPerConnection, maxConnections, maxConnectionsPerIp,
                listenBacklog, requestReceiveTimeoutMs);
    }

    public NetworkConfig withConnectionsMaxIdleMs(long ms) {
        return new NetworkConfig(host, port, maxRequestBytes, handlerThreads, maxInFlightPerConnection, ms,
                queuedMaxRequestBytes, queuedMaxRequestBytesPerConnection, maxConnections, maxConnectionsPerIp,
                listenBacklog, requestReceiveTimeoutMs);
    }

    public NetworkConfig withQueuedMaxRequestBytes(long bytes, long perConnection) {
        return new NetworkConfig(host, port, maxRequestBytes, handlerThreads, maxInFlightPerConnection,
                connectionsMaxIdleMs, bytes, perConnection, maxConnections, maxConnectionsPerIp, listenBacklog,
                requestReceiveTimeoutMs);
    }

    public NetworkConfig withMaxConnections(int total, int perIp) {
        return new NetworkConfig(host, port, maxRequestBytes, handlerThreads, maxInFlightPerConnection,
                connectionsMaxIdleMs, queuedMaxRequestBytes, queuedMaxRequestBytesPerConnection, total, perIp,
                listenBacklog, requestReceiveTimeoutMs);
    }

    public NetworkConfig withListenBacklog(int backlog) {
        return new NetworkConfig(host, port, maxRequestBytes, handlerThreads, maxInFlightPerConnection,
                connectionsMaxIdleMs, queuedMaxRequestBytes, queuedMaxRequestBytesPerConnection, maxConnections,
                maxConnectionsPerIp, backlog, requestReceiveTimeoutMs);
    }

    public NetworkConfig withRequestReceiveTimeoutMs(long ms) {
        return new NetworkConfig(host, port, maxRequestBytes, handlerThreads, maxInFlightPerConnection,
                connectionsMaxIdleMs, queuedMaxRequestBytes, queuedMaxRequestBytesPerConnection, maxConnections,
                maxConnectionsPerIp, listenBacklog, ms);
    }
}
