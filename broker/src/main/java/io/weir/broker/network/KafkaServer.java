package io.weir.broker.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Kafka protocol listener: Netty event loops do I/O and framing, a fixed pool of handler
 * threads runs the {@link RequestDispatcher} (Kafka's network threads and I/O threads).
 *
 * <p>What it holds is bounded ({@link NetworkConfig}): connections in total and per client
 * address, bytes of unanswered requests in total ({@link RequestMemoryPool}) and per connection.
 * A sweep every {@value #SWEEP_INTERVAL_MS} ms closes connections whose request has been arriving
 * for longer than the receive timeout, closes connections admitted on probation that did not
 * prove to be a broker's, and, when the memory pool has been full for a while, sheds the oldest
 * half-received requests ({@link Shedding}) so that stalled senders cannot starve everyone else.
 *
 * <pre>{@code
 * KafkaServer server = new KafkaServer(NetworkConfig.of("127.0.0.1", 0), dispatcher);
 * server.start();
 * int port = server.boundAddress().getPort();
 * }</pre>
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);
    private static final long SHUTDOWN_TIMEOUT_MS = 5_000;
    static final long SWEEP_INTERVAL_MS = 100;
    /** How long the pool stays full, and how old a partial request must be, before it is shed. */
    private static final long SHED_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A broker's client sends its first request at once; anything on probation longer is not one. */
    private static final long PROBATION_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Room left per held connection let go: one socket read (64 KiB at most) and its buffer's growth. */
    private static final long RESUME_ALLOWANCE_BYTES = 128 * 1024;

    private final NetworkConfig config;
    private final RequestDispatcher dispatcher;
    private final RequestObserver observer;
    private final SaslMechanisms saslMechanisms;
    private final ListenerSecurity security;
    private final RequestMemoryPool pool;
    private final ConnectionQuotas quotas;
    private final ConnectionRateLimit connectionRates;
    private final ConnectionRateLimit acceptRate;
    private final AtomicLong acceptPauses = new AtomicLong();
    private volatile long acceptingAgainAtNanos;
    private final Set<KafkaConnection> connections = ConcurrentHashMap.newKeySet();
    private final RateLimitedLog warnings = new RateLimitedLog(log);
    private final KafkaConnection.Listener connectionListener = new ConnectionListener();
    private EventLoopGroup bossGroup;
    private EventLoopGroup ioGroup;
    private ExecutorService handlerPool;
    private ScheduledExecutorService sweeper;
    private Channel serverChannel;
    private long poolFullSinceNanos; // sweeper thread only

    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher) {
        this(config, dispatcher, RequestObserver.NONE);
    }

    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher, RequestObserver observer) {
        this(config, dispatcher, observer, SaslMechanisms.NONE);
    }

    /**
     * @param saslMechanisms what SaslHandshake offers; a connection that completes one is served
     *                       as its principal ({@code User:<name>}), any other as ANONYMOUS
     */
    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher, RequestObserver observer,
                       SaslMechanisms saslMechanisms) {
        this(config, dispatcher, observer, saslMechanisms, ListenerSecurity.PLAINTEXT);
    }

    /** @param security the listener's name and security protocol (and TLS context for SSL, SASL_SSL) */
    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher, RequestObserver observer,
                       SaslMechanisms saslMechanisms, ListenerSecurity security) {
        this(config, dispatcher, observer, saslMechanisms, security, ConnectionRateLimit.NONE);
    }

    /** @param connectionRates per-address connection creation rates (IP quotas), asked before any other admission */
    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher, RequestObserver observer,
                       SaslMechanisms saslMechanisms, ListenerSecurity security, ConnectionRateLimit connectionRates) {
        this(config, dispatcher, observer, saslMechanisms, security, connectionRates, ConnectionRateLimit.NONE);
    }

    /**
     * @param acceptRate the rate of new connections over all addresses ({@code max.connection.creation.rate}):
     *     past it the listener stops accepting for the time it answers, as Kafka's acceptor waits
     */
    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher, RequestObserver observer,
                       SaslMechanisms saslMechanisms, ListenerSecurity security, ConnectionRateLimit connectionRates,
                       ConnectionRateLimit acceptRate) {
        this.connectionRates = connectionRates;
        this.acceptRate = acceptRate;
        this.security = security;
        this.saslMechanisms = saslMechanisms;
        this.config = config;
        this.dispatcher = dispatcher;
        this.observer = observer;
        // Brokers' requests (fetches, heartbeats, AlterPartition) are small; an eighth more than
        // clients may use keeps them flowing when clients have filled the pool.
        this.pool = new RequestMemoryPool(config.queuedMaxRequestBytes(), config.queuedMaxRequestBytes() / 8);
        this.quotas = new ConnectionQuotas(config.maxConnections(), config.maxConnectionsPerIp());
    }

    /** Binds the listener; returns once it accepts connections. */
    public synchronized void start() throws InterruptedException {
        if (serverChannel != null) throw new IllegalStateException("already started");
        AtomicInteger threadId = new AtomicInteger();
        // The queue holds at most one task per connection (SerialExecutor), so it is bounded by
        // the number of connections.
        handlerPool = new ThreadPoolExecutor(config.handlerThreads(), config.handlerThreads(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "weir-request-handler-" + threadId.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        bossGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ioGroup = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()),
                NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, ioGroup)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, config.listenBacklog())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        admit(ch);
                    }
                });
        try {
            serverChannel = bootstrap.bind(config.host(), config.port()).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weir-connection-sweep");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS, TimeUnit.MILLISECONDS);
        log.info("Kafka listener on {}: max.connections={}, max.connections.per.ip={}, queued.max.request.bytes={}, "
                        + "socket.request.max.bytes={}, socket.listen.backlog.size={}, file descriptor limit {}",
                serverChannel.localAddress(), config.maxConnections(), config.maxConnectionsPerIp(),
                config.queuedMaxRequestBytes(), config.maxRequestBytes(), config.listenBacklog(),
                FileDescriptors.limit().isPresent() ? FileDescriptors.limit().getAsLong() : "unknown");
        FileDescriptors.limit().ifPresent(limit -> {
            if (limit - config.maxConnections() < FileDescriptors.reservedFor(FileDescriptors.MIN_QUEUES)) {
                log.warn("max.connections={} leaves {} of the process's {} file descriptors for partition logs and "
                                + "the metadata quorum; raise the limit (ulimit -n) or lower max.connections",
                        config.maxConnections(), limit - config.maxConnections(), limit);
            }
        });
    }

    /** Runs on the child's event loop when it is registered: admits it or closes it at once. */
    private void admit(SocketChannel ch) {
        InetAddress address = ch.remoteAddress().getAddress();
        long throttleMs = connectionRates.throttleMs(address);
        if (throttleMs > 0) {
            // As Kafka: not counted, not read, closed only after the throttle so the client backs off.
            warnings.warn("connection-rate", "Throttling a connection from {} for {} ms: over its "
                    + "connection_creation_rate", address.getHostAddress(), throttleMs);
            ch.config().setAutoRead(false);
            ch.eventLoop().schedule(() -> ch.close(), throttleMs, TimeUnit.MILLISECONDS);
            return;
        }
        ConnectionQuotas.Admission admission = quotas.admit(address);
        if (!admission.admitted()) {
            warnings.warn(admission.name(), "Refused connection from {}: {} open in total, {} from that address "
                            + "(max.connections={}, max.connections.per.ip={})", address.getHostAddress(),
                    quotas.total(), quotas.from(address), config.maxConnections(), config.maxConnectionsPerIp());
            ch.close();
            return;
        }
        ch.closeFuture().addListener(f -> quotas.release(address));
        long pauseMs = acceptRate.throttleMs(address);
        if (pauseMs > 0) pauseAccepting(pauseMs);
        FrameDecoder decoder = new FrameDecoder(config.maxRequestBytes(), pool, this::holdAll, this::releaseHolds,
                (ctx, size, max) -> warnings.warn("frame-size", "Closing connection from {}: request size {} outside "
                        + "[0, {}] (socket.request.max.bytes)", ctx.channel().remoteAddress(), size, max));
        // TLS first: the idle timer and the frame decoder see only decrypted bytes.
        security.tls().ifPresent(tls -> ch.pipeline().addLast("tls", tls.newHandler(ch.alloc())));
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, config.connectionsMaxIdleMs(), TimeUnit.MILLISECONDS))
                .addLast("frames", decoder)
                .addLast("kafka", new KafkaConnection(dispatcher, observer, handlerPool,
                        config.maxInFlightPerConnection(), config.queuedMaxRequestBytesPerConnection(), pool, decoder,
                        admission == ConnectionQuotas.Admission.PROBATION, connectionListener, saslMechanisms, security));
    }

    /** Over {@code max.connection.creation.rate}: accepts no connection for {@code ms} (they wait in the backlog). */
    private void pauseAccepting(long ms) {
        Channel server = serverChannel;
        if (server == null) return;
        acceptPauses.incrementAndGet();
        warnings.warn("accept-rate", "Over max.connection.creation.rate: not accepting connections for {} ms", ms);
        acceptingAgainAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        server.config().setAutoRead(false);
        server.eventLoop().schedule(() -> resumeAccepting(server), ms, TimeUnit.MILLISECONDS);
    }

    private void resumeAccepting(Channel server) {
        long left = acceptingAgainAtNanos - System.nanoTime();
        if (left > 0) {
            // A later pause moved the end: wait for it.
            server.eventLoop().schedule(() -> resumeAccepting(server), left, TimeUnit.NANOSECONDS);
            return;
        }
        server.config().setAutoRead(true);
    }

    /** How many times the listener stopped accepting for {@code max.connection.creation.rate}. */
    public long acceptPauses() {
        return acceptPauses.get();
    }

    /** The pool is full: every client connection stops reading. */
    private void holdAll() {
        warnings.warn("pool-full", "Request memory full: {} bytes of unanswered requests (queued.max.request.bytes={}); "
                + "pausing reads from {} client connections", pool.used(), pool.capacity(), connections.size());
        connections.forEach(KafkaConnection::holdForMemory);
    }

    /**
     * The pool has room: lets held connections read again, only as many as the room allows for
     * one socket read each (all at once, they would refill the pool many times over before the
     * next pause), those with the least of a request half-received first. Connections that have
     * nothing half-sent (a consumer's next fetch, a new connection's ApiVersions) thus go ahead of
     * stalled senders. Called on drain and on every sweep.
     */
    private synchronized void releaseHolds() {
        if (pool.full()) return;
        long room = pool.capacity() - pool.used();
        if (room <= 0) return;
        List<KafkaConnection> held = new ArrayList<>();
        for (KafkaConnection c : connections) {
            if (c.heldForMemory()) held.add(c);
        }
        if (held.isEmpty()) return;
        held.sort(java.util.Comparator.comparingLong(c -> c.decoder().partialFrameBytes()));
        long n = Math.max(1, room / RESUME_ALLOWANCE_BYTES);
        for (int i = 0; i < held.size() && i < n; i++) held.get(i).releaseMemoryHold();
    }

    /**
     * Timeouts and shedding; on the sweeper thread. Connections are closed through their
     * channels, so their memory returns to the pool on their own event loops.
     */
    private void sweep() {
        try {
            long now = System.nanoTime();
            long receiveTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.requestReceiveTimeoutMs());
            List<Shedding.Partial<KafkaConnection>> partials = new ArrayList<>();
            int timedOut = 0;
            int unproven = 0;
            for (KafkaConnection c : connections) {
                if (c.memoryPauseStale()) c.refreshMemoryPause();
                if (c.unprovenProbation() && now - c.acceptedNanos() > PROBATION_NANOS) {
                    c.close();
                    unproven++;
                    continue;
                }
                long start = c.decoder().partialFrameStartNanos();
                if (start == 0) continue;
                if (now - start > receiveTimeoutNanos) {
                    c.close();
                    timedOut++;
                } else if (!c.interBroker() && now - start > SHED_AFTER_NANOS) {
                    partials.add(new Shedding.Partial<>(c, start, c.decoder().partialFrameBytes()));
                }
            }
            if (timedOut > 0) {
                warnings.warn("receive-timeout", "Closed {} connections whose request was not received whole within "
                        + "{} ms (socket.request.receive.timeout.ms)", timedOut, config.requestReceiveTimeoutMs());
            }
            if (unproven > 0) {
                warnings.warn("probation", "Closed {} connections admitted past max.connections or "
                        + "max.connections.per.ip that sent no request", unproven);
            }
            shedIfFull(now, partials);
            // Catch a pause lost to a race between a reservation and a release, and go on letting
            // held connections read as room allows.
            if (pool.reserve(0)) holdAll();
            pool.release(0);
            releaseHolds();
        } catch (RuntimeException e) {
            log.error("Connection sweep failed; it runs again in {} ms", SWEEP_INTERVAL_MS, e);
        }
    }

    private void shedIfFull(long now, List<Shedding.Partial<KafkaConnection>> partials) {
        if (!pool.full()) {
            poolFullSinceNanos = 0;
            return;
        }
        if (poolFullSinceNanos == 0) {
            poolFullSinceNanos = now;
            return;
        }
        if (now - poolFullSinceNanos < SHED_AFTER_NANOS) return;
        List<KafkaConnection> shed = Shedding.choose(partials, pool.used(), pool.lowWaterMark());
        if (shed.isEmpty()) return;
        shed.forEach(KafkaConnection::close);
        poolFullSinceNanos = now; // let the closes drain the pool before judging again
        warnings.warn("shed", "Request memory full for over {} ms ({} of {} bytes, queued.max.request.bytes): closed "
                        + "{} connections whose partial requests had stalled the longest", 
                TimeUnit.NANOSECONDS.toMillis(SHED_AFTER_NANOS), pool.used(), pool.capacity(), shed.size());
    }

    /** Connections open now. */
    public int connectionCount() {
        return quotas.total();
    }

    /** Bytes of requests read and not yet answered, over all connections. */
    public long queuedRequestBytes() {
        return pool.used();
    }

    private final class ConnectionListener implements KafkaConnection.Listener {
        @Override
        public void opened(KafkaConnection connection) {
            connections.add(connection);
        }

        @Override
        public void closed(KafkaConnection connection) {
            connections.remove(connection);
        }

        @Override
        public void poolDrained() {
            releaseHolds();
        }

        @Override
        public void probationFailed(KafkaConnection connection, String clientId) {
            warnings.warn("probation", "Refused connection {} (client id {}): admitted past max.connections={} or "
                            + "max.connections.per.ip={} for brokers only", connection.connectionId(), clientId,
                    config.maxConnections(), config.maxConnectionsPerIp());
        }

        @Override
        public void rejected(KafkaConnection connection, String reason) {
            warnings.warn("rejected", "Closing {}: {}", connection.connectionId(), reason);
        }
    }

    /** The bound address; its port is the real one when the config asked for port 0. */
    public InetSocketAddress boundAddress() {
        if (serverChannel == null) throw new IllegalStateException("not started");
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public synchronized void close() {
        if (sweeper != null) sweeper.shutdownNow();
        if (serverChannel != null) serverChannel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
        if (bossGroup != null) bossGroup.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (ioGroup != null) {
            ioGroup.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
        }
        if (handlerPool != null) {
            handlerPool.shutdownNow();
            try {
                handlerPool.awaitTermination(SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        serverChannel = null;
    }
}
