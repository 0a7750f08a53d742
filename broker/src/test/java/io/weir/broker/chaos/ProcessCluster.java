package io.weir.broker.chaos;

import static org.awaitility.Awaitility.await;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNodeMain;
import io.weir.broker.testing.FreePorts;
import io.weir.storage.JvmFlags;
import io.weir.zk.EmbeddedZooKeeper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;

/**
 * Weir nodes as separate JVMs ({@link WeirNodeMain}), so a test can kill -9 one
 * mid-write. Each node has its own directory, config and log file; only loopback ports.
 * On {@link Backend#ZOOKEEPER} the cluster also runs a real ZooKeeper server in the test's
 * JVM (its data under {@code dir/zookeeper}): only node JVMs are killed, never the server,
 * unless a test stops it through {@link #zooKeeper()}.
 */
final class ProcessCluster implements AutoCloseable {
    /**
     * The nodes' default ZooKeeper session timeout here: a killed controller's ephemeral znode lasts this
     * long, so it bounds controller failover on ZooKeeper as the election timeout does on Ratis.
     */
    static final int ZOOKEEPER_SESSION_MS = 4_000;

    /** The coordination backend the nodes run on. */
    enum Backend {
        /** An embedded Raft quorum: every node is a voter. */
        RATIS,
        /** A ZooKeeper server started by the cluster; any node may become the controller. */
        ZOOKEEPER
    }

    private final Path dir;
    private final int size;
    private final int[] kafkaPorts;
    private final Map<Integer, Process> processes = new TreeMap<>();
    private final EmbeddedZooKeeper zooKeeper;

    /** On Ratis; {@code settings} (YAML keys) apply to every node, on top of the defaults. */
    ProcessCluster(Path dir, int size, Map<String, ?> settings) throws IOException, InterruptedException {
        this(dir, size, settings, Backend.RATIS);
    }

    /** {@code settings} (YAML keys) apply to every node, on top of the defaults. */
    ProcessCluster(Path dir, int size, Map<String, ?> settings, Backend backend)
            throws IOException, InterruptedException {
        this(dir, size, settings, backend, ZOOKEEPER_SESSION_MS);
    }

    /** As above, with the nodes' ZooKeeper session timeout (ignored on Ratis). */
    ProcessCluster(Path dir, int size, Map<String, ?> settings, Backend backend, int zooKeeperSessionMs)
            throws IOException, InterruptedException {
        this.dir = dir;
        this.size = size;
        this.kafkaPorts = FreePorts.take(size);
        NodeConfig.Coordination coordination;
        if (backend == Backend.ZOOKEEPER) {
            zooKeeper = EmbeddedZooKeeper.start(dir.resolve("zookeeper"));
            coordination = NodeConfig.Coordination.zookeeper(new NodeConfig.ZooKeeper(
                    zooKeeper.connectString() + "/chaos", zooKeeperSessionMs, null));
        } else {
            zooKeeper = null;
            int[] quorumPorts = FreePorts.take(size);
            List<NodeConfig.Voter> voters = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                voters.add(new NodeConfig.Voter(i + 1, "127.0.0.1", quorumPorts[i], kafkaPorts[i]));
            }
            coordination = new NodeConfig.Coordination("ratis", voters);
        }
        for (int id = 1; id <= size; id++) {
            Path nodeDir = dir.resolve("node-" + id);
            Files.createDirectories(nodeDir);
            NodeConfig.of(id, "chaos", nodeDir.resolve("data"),
                    new NodeConfig.Listeners("127.0.0.1:" + kafkaPorts[id - 1], null),
                    coordination)
                    .with(settings)
                    .write(nodeDir.resolve("node.yaml"));
        }
    }

    /** The ZooKeeper server of a {@link Backend#ZOOKEEPER} cluster. */
    EmbeddedZooKeeper zooKeeper() {
        if (zooKeeper == null) {
            throw new IllegalStateException("this cluster runs on Ratis");
        }
        return zooKeeper;
    }

    /** Node {@code id}'s Kafka port. */
    int kafkaPort(int id) {
        return kafkaPorts[id - 1];
    }

    String bootstrapServers() {
        List<String> servers = new ArrayList<>();
        for (int port : kafkaPorts) {
            servers.add("127.0.0.1:" + port);
        }
        return String.join(",", servers);
    }

    void startAll() throws IOException {
        for (int id = 1; id <= size; id++) {
            start(id);
        }
    }

    void start(int id) throws IOException {
        start(id, List.of("-Xmx512m"));
    }

    /** Starts node {@code id} with {@code jvmFlags} (heap, JFR, ...) after the Chronicle flags. */
    void start(int id, List<String> jvmFlags) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.chronicle());
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(WeirNodeMain.class.getName());
        cmd.add(dir.resolve("node-" + id).resolve("node.yaml").toString());
        Path logFile = dir.resolve("node-" + id).resolve("node.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        processes.put(id, p);
    }

    /** SIGTERM, as an operator's restart: the node closes in its shutdown hook. */
    void stop(int id) throws InterruptedException {
        Process p = processes.remove(id);
        if (p != null) {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("node " + id + " did not stop within 60 s");
            }
        }
    }

    /** Node {@code id}'s log lines that contain {@code text}. */
    List<String> logLines(int id, String text) {
        try (var lines = Files.lines(dir.resolve("node-" + id).resolve("node.log"))) {
            return lines.filter(l -> l.contains(text)).toList();
        } catch (IOException e) {
            return List.of("(no log: " + e + ")");
        }
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye to the controller. */
    void killDashNine(int id) throws InterruptedException {
        Process p = processes.remove(id);
        if (p != null) {
            p.destroyForcibly();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("node " + id + " did not die");
            }
        }
    }

    /** SIGSTOP: the node's JVM stops dead (as in a long GC pause or a hung VM), sockets open. */
    void freeze(int id) throws IOException, InterruptedException {
        signal(id, "-STOP");
    }

    /** SIGCONT after {@link #freeze}. */
    void thaw(int id) throws IOException, InterruptedException {
        signal(id, "-CONT");
    }

    private void signal(int id, String signal) throws IOException, InterruptedException {
        Process p = processes.get(id);
        if (p == null) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        Process kill = new ProcessBuilder("kill", signal, Long.toString(p.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill " + signal + " " + p.pid() + " failed");
        }
    }

    /**
     * The node the cluster reports as its active controller (DescribeCluster), waiting up to
     * {@code timeout} for one that is running.
     */
    int activeController(Duration timeout) {
        try (Admin admin = ChaosTopic.admin(bootstrapServers())) {
            return await().atMost(timeout).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> admin.describeCluster().controller().get(5, TimeUnit.SECONDS).id(),
                            id -> id >= 1 && id <= size && isRunning(id));
        }
    }

    /** The operating-system process id of node {@code id}'s JVM. */
    long pid(int id) {
        return processes.get(id).pid();
    }

    boolean isRunning(int id) {
        Process p = processes.get(id);
        return p != null && p.isAlive();
    }

    /** Waits until node {@code id}'s Kafka port accepts connections. */
    void awaitListening(int id, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (!isRunning(id)) {
                throw new IllegalStateException("node " + id + " exited; the end of its log:\n" + logTail(id, 40));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", kafkaPorts[id - 1]), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("node " + id + " not listening within " + timeoutMs + " ms");
    }

    /** The last {@code lines} lines of node {@code id}'s log. */
    String logTail(int id, int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve("node-" + id).resolve("node.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String runningNodes() {
        return processes.keySet().stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        for (int id : processes.keySet()) {
            try {
                thaw(id); // a stopped JVM would not act on SIGTERM
            } catch (IOException | RuntimeException e) {
                // it exited already
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Process p : processes.values()) {
            p.destroy();
        }
        for (Process p : processes.values()) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        if (zooKeeper != null) {
            zooKeeper.close();
        }
    }
}
