package io.weir.bench.metadata;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

/**
 * A real standalone ZooKeeper server (the one in the zookeeper jar) in the benchmark's JVM, on
 * a free loopback port, with ZooKeeper's own defaults: a 2-second tick and every transaction
 * fsynced to its log before it is acknowledged, as a production server does.
 */
final class StandaloneZooKeeper implements AutoCloseable {
    private static final int TICK_MS = ZooKeeperServer.DEFAULT_TICK_TIME;
    private static final int MAX_CLIENT_CONNECTIONS = 60;

    private final ZooKeeperServer server;
    private final ServerCnxnFactory connections;

    private StandaloneZooKeeper(ZooKeeperServer server, ServerCnxnFactory connections) {
        this.server = server;
        this.connections = connections;
    }

    static StandaloneZooKeeper start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        ZooKeeperServer server = new ZooKeeperServer(dir.toFile(), dir.toFile(), TICK_MS);
        ServerCnxnFactory connections = ServerCnxnFactory.createFactory(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), MAX_CLIENT_CONNECTIONS);
        connections.startup(server);
        return new StandaloneZooKeeper(server, connections);
    }

    /** {@code 127.0.0.1:port}. */
    String connectString() {
        return InetAddress.getLoopbackAddress().getHostAddress() + ":" + connections.getLocalPort();
    }

    @Override
    public void close() {
        connections.shutdown();
        server.shutdown();
    }
}
