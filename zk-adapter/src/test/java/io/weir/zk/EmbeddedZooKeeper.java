package io.weir.zk;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

/**
 * A real, standalone ZooKeeper server (the one in the ZooKeeper jar) in the test's JVM, on a
 * free loopback port, its data in a directory of the test's. It can be stopped and started
 * again on the same port with its data (sessions survive a restart shorter than their
 * timeout), and can expire a session as its timeout would.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    /** Short ticks, so tests may use sessions from 400 ms; sessions up to 60 s are allowed. */
    public static final int TICK_MS = 200;
    private static final int MAX_SESSION_MS = 60_000;
    private static final int MAX_CLIENT_CONNECTIONS = 200;

    private final Path dir;
    private int port;
    private ZooKeeperServer server;
    private ServerCnxnFactory connections;

    private EmbeddedZooKeeper(Path dir) {
        this.dir = dir;
    }

    /** Starts a server with its data under {@code dir}. */
    public static EmbeddedZooKeeper start(Path dir) throws IOException, InterruptedException {
        EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dir);
        zk.startServer();
        return zk;
    }

    private void startServer() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        server = new ZooKeeperServer(dir.toFile(), dir.toFile(), TICK_MS);
        server.setMinSessionTimeout(2 * TICK_MS);
        server.setMaxSessionTimeout(MAX_SESSION_MS);
        connections = ServerCnxnFactory.createFactory(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), MAX_CLIENT_CONNECTIONS);
        connections.startup(server);
        port = connections.getLocalPort();
    }

    /** {@code 127.0.0.1:port}. */
    public String connectString() {
        return InetAddress.getLoopbackAddress().getHostAddress() + ":" + port;
    }

    public int port() {
        return port;
    }

    /** Ends a session as its timeout would: its ephemeral znodes go, its client sees Expired. */
    public void expireSession(long sessionId) {
        server.expire(sessionId);
    }

    /** Stops the server, keeping its data; {@link #restart()} brings it back on the same port. */
    public void stop() {
        if (connections != null) {
            connections.shutdown();
            connections = null;
        }
        if (server != null) {
            server.shutdown();
            server = null;
        }
    }

    public void restart() throws IOException, InterruptedException {
        stop();
        startServer();
    }

    @Override
    public void close() {
        stop();
    }
}
