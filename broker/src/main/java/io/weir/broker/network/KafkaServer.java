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

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Kafka protocol listener: Netty event loops do I/O and framing, a fixed pool of handler
 * threads runs the {@link RequestDispatcher} (Kafka's network threads and I/O threads).
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

    private final NetworkConfig config;
    private final RequestDispatcher dispatcher;
    private final RequestObserver observer;
    private EventLoopGroup bossGroup;
    private EventLoopGroup ioGroup;
    private ExecutorService handlerPool;
    private Channel serverChannel;

    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher) {
        this(config, dispatcher, RequestObserver.NONE);
    }

    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher, RequestObserver observer) {
        this.config = config;
        this.dispatcher = dispatcher;
        this.observer = observer;
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
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, config.connectionsMaxIdleMs(),
                                        TimeUnit.MILLISECONDS))
                                .addLast("frames", new FrameDecoder(config.maxRequestBytes()))
                                .addLast("kafka", new KafkaConnection(dispatcher, observer, handlerPool,
                                        config.maxInFlightPerConnection()));
                    }
                });
        try {
            serverChannel = bootstrap.bind(config.host(), config.port()).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        log.info("Kafka listener on {}", serverChannel.localAddress());
    }

    /** The bound address; its port is the real one when the config asked for port 0. */
    public InetSocketAddress boundAddress() {
        if (serverChannel == null) throw new IllegalStateException("not started");
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public synchronized void close() {
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
