package io.weir.bench.compare;

import io.weir.storage.JvmFlags;
import org.apache.kafka.clients.admin.Admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Weir's 3-node local cluster as {@code weir cluster up --base-port P --dir D} makes it (the cli's
 * own code, run in a child JVM on Weir's classpath): Kafka listeners P..P+2, quorum P+100..,
 * HTTP P+200..; every node a voter; 1 GiB heap per node.
 */
public final class WeirCluster implements LocalCluster {
    private static final int NODES = 3;
    private static final Duration READY = Duration.ofSeconds(180);

    private final Jvm jvm;
    private final Children children;
    private final String classpath;
    private final Path dir;
    private final int basePort;
    private final Map<Integer, Long> pids = new HashMap<>();

    public WeirCluster(Jvm jvm, Children children, String classpath, Path dir, int basePort) {
        this.jvm = jvm;
        this.children = children;
        this.classpath = classpath;
        this.dir = dir;
        this.basePort = basePort;
    }

    @Override
    public String name() {
        return "Weir";
    }

    @Override
    public void prepare() {
        // `weir cluster up` writes the node files itself.
    }

    @Override
    public void start() throws Exception {
        Files.createDirectories(dir);
        Path log = dir.resolve("cluster-up.log");
        Process up = cli(List.of("cluster", "up", "--nodes", Integer.toString(NODES), "--base-port",
                Integer.toString(basePort), "--dir", dir.toString()), log);
        LocalCluster.awaitBrokers(bootstrapServers(), NODES, READY, () -> {
            readPids(); // as they appear, so that a failure from here on still kills them
            if (!up.isAlive() && up.exitValue() != 0) throw new IOException("weir cluster up failed; see " + log);
        });
        if (!up.waitFor(READY.toSeconds(), TimeUnit.SECONDS) || up.exitValue() != 0) {
            throw new IOException("weir cluster up failed; see " + log);
        }
        children.forget(up.pid());
        readPids();
        if (pids.size() != NODES) throw new IOException("weir cluster up wrote " + pids.size() + " pid files of " + NODES);
    }

    private void readPids() throws IOException {
        for (int id : nodeIds()) {
            if (!pids.containsKey(id) && Files.exists(dir.resolve("node-" + id).resolve("pid"))) readPid(id);
        }
    }

    private Process cli(List<String> args, Path log) throws IOException {
        return jvm.start(JvmFlags.chronicle(), classpath, "io.weir.cli.WeirCli", args, log);
    }

    private void readPid(int id) throws IOException {
        long pid = Long.parseLong(Files.readString(dir.resolve("node-" + id).resolve("pid")).trim());
        pids.put(id, pid);
        children.add(pid);
    }

    @Override
    public String bootstrapServers() {
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < NODES; i++) hosts.add("127.0.0.1:" + (basePort + i));
        return String.join(",", hosts);
    }

    @Override
    public List<Integer> nodeIds() {
        return List.of(1, 2, 3);
    }

    @Override
    public long pid(int nodeId) {
        return pids.get(nodeId);
    }

    @Override
    public int activeController(Admin admin) throws Exception {
        // Weir answers DescribeCluster with the active controller's node (ProcessCluster does the same).
        return admin.describeCluster().controller().get(10, TimeUnit.SECONDS).id();
    }

    @Override
    public void kill(int nodeId) {
        Long pid = pids.remove(nodeId);
        if (pid != null) children.kill(pid);
    }

    @Override
    public void restart(int nodeId) throws Exception {
        Process p = cli(List.of("cluster", "start-node", Integer.toString(nodeId), "--dir", dir.toString()),
                dir.resolve("start-node.log"));
        if (!p.waitFor(READY.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            children.kill(p.pid());
            throw new IOException("weir cluster start-node " + nodeId + " failed; see " + dir.resolve("start-node.log"));
        }
        children.forget(p.pid());
        readPid(nodeId);
        // Through the restarted node itself: the others may still list it from before the kill.
        LocalCluster.awaitBrokers("127.0.0.1:" + (basePort + nodeId - 1), NODES, READY, () -> { });
    }

    @Override
    public void close() {
        for (long pid : pids.values()) children.kill(pid);
        pids.clear();
        Dirs.deleteQuietly(dir);
    }
}
