package io.weir.broker.chaos;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNodeMain;
import io.weir.broker.testing.FreePorts;
import io.weir.storage.JvmFlags;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Weir nodes as separate JVMs ({@link WeirNodeMain}), so a test can kill -9 one
 * mid-write. Each node has its own directory, config and log file; only loopback ports.
 */
final class ProcessCluster implements AutoCloseable {
    private final Path dir;
    private final int size;
    private final int[] kafkaPorts;
    private final Map<Integer, Process> processes = new TreeMap<>();

    /** {@code settings} (YAML keys) apply to every node, on top of the defaults. */
    ProcessCluster(Path dir, int size, Map<String, ?> settings) throws IOException {
        this.dir = dir;
        this.size = size;
        this.kafkaPorts = FreePorts.take(size);
        int[] quorumPorts = FreePorts.take(size);
        List<NodeConfig.Voter> voters = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            voters.add(new NodeConfig.Voter(i + 1, "127.0.0.1", quorumPorts[i], kafkaPorts[i]));
        }
        for (int id = 1; id <= size; id++) {
            Path nodeDir = dir.resolve("node-" + id);
            Files.createDirectories(nodeDir);
            NodeConfig.of(id, "chaos", nodeDir.resolve("data"),
                    new NodeConfig.Listeners("127.0.0.1:" + kafkaPorts[id - 1], null),
                    new NodeConfig.Coordination("ratis", voters))
                    .with(settings)
                    .write(nodeDir.resolve("node.yaml"));
        }
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
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.chronicle());
        cmd.add("-Xmx512m");
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
    }
}
