package io.weir.bench.compare;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Apache Kafka's own broker ({@code kafka.Kafka} from kafka_2.13 and its dependencies, resolved
 * apart from Weir's) as 3 nodes in KRaft combined mode (each a broker and a controller voter),
 * formatted with {@code kafka-storage format} ({@code kafka.tools.StorageTool}): broker listeners
 * P..P+2, controller listeners P+100..; 1 GiB heap per node as Weir's; every other setting
 * Kafka's default, except the replication factors of its internal topics (3, as on Weir).
 */
public final class KafkaCluster implements LocalCluster {
    private static final int NODES = 3;
    private static final Duration READY = Duration.ofSeconds(180);
    private static final Duration FORMAT = Duration.ofSeconds(120);

    private final Jvm jvm;
    private final Children children;
    private final String classpath;
    private final Path dir;
    private final int basePort;
    private final List<String> heap;
    private final Map<Integer, Process> nodes = new HashMap<>();

    public KafkaCluster(Jvm jvm, Children children, String classpath, Path dir, int basePort, List<String> heap) {
        this.jvm = jvm;
        this.children = children;
        this.classpath = classpath;
        this.dir = dir;
        this.basePort = basePort;
        this.heap = heap;
    }

    @Override
    public String name() {
        return "Kafka";
    }

    /** Writes every node's server.properties and formats its log directory; not part of the start time. */
    @Override
    public void prepare() throws Exception {
        String clusterId = Uuid.randomUuid().toString();
        List<Process> formats = new ArrayList<>();
        for (int id : nodeIds()) {
            Path node = nodeDir(id);
            Files.createDirectories(node.resolve("data"));
            Files.writeString(node.resolve("server.properties"), serverProperties(id));
            Files.writeString(node.resolve("log4j2.properties"), log4j(node));
            formats.add(jvm.start(List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + node.resolve("log4j2.properties")),
                    classpath, "kafka.tools.StorageTool",
                    List.of("format", "-t", clusterId, "-c", node.resolve("server.properties").toString()),
                    node.resolve("format.log")));
        }
        for (Process p : formats) {
            boolean done = p.waitFor(FORMAT.toSeconds(), TimeUnit.SECONDS);
            if (!done) children.kill(p.pid());
            children.forget(p.pid());
            if (!done || p.exitValue() != 0) throw new IOException("kafka-storage format failed; see " + dir + "/node-*/format.log");
        }
    }

    @Override
    public void start() throws Exception {
        for (int id : nodeIds()) startNode(id);
        LocalCluster.awaitBrokers(bootstrapServers(), NODES, READY, this::allAlive);
    }

    private void startNode(int id) throws IOException {
        Path node = nodeDir(id);
        List<String> jvmArgs = new ArrayList<>(heap);
        jvmArgs.add("-Dlog4j2.configurationFile=" + node.resolve("log4j2.properties"));
        nodes.put(id, jvm.start(jvmArgs, classpath, "kafka.Kafka", List.of(node.resolve("server.properties").toString()),
                node.resolve("stdout.log")));
    }

    private void allAlive() throws IOException {
        for (Map.Entry<Integer, Process> n : nodes.entrySet()) {
            if (!n.getValue().isAlive()) {
                throw new IOException("Kafka node " + n.getKey() + " exited; see " + nodeDir(n.getKey()) + "/server.log");
            }
        }
    }

    String serverProperties(int id) {
        String voters = nodeIds().stream().map(n -> n + "@127.0.0.1:" + controllerPort(n)).collect(Collectors.joining(","));
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=" + id,
                "controller.quorum.voters=" + voters,
                "listeners=PLAINTEXT://127.0.0.1:" + brokerPort(id) + ",CONTROLLER://127.0.0.1:" + controllerPort(id),
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort(id),
                "inter.broker.listener.name=PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + nodeDir(id).resolve("data"),
                "offsets.topic.replication.factor=3",
                "transaction.state.log.replication.factor=3",
                "transaction.state.log.min.isr=2",
                "");
    }

    /** INFO to one file per node, as Weir's nodes log INFO to node.log. */
    private static String log4j(Path node) {
        return String.join("\n",
                "status = warn",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = " + node.resolve("server.log"),
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = info",
                "rootLogger.appenderRef.file.ref = file",
                "");
    }

    private Path nodeDir(int id) {
        return dir.resolve("node-" + id);
    }

    private int brokerPort(int id) {
        return basePort + id - 1;
    }

    private int controllerPort(int id) {
        return basePort + 100 + id - 1;
    }

    @Override
    public String bootstrapServers() {
        return nodeIds().stream().map(n -> "127.0.0.1:" + brokerPort(n)).collect(Collectors.joining(","));
    }

    @Override
    public List<Integer> nodeIds() {
        return List.of(1, 2, 3);
    }

    @Override
    public long pid(int nodeId) {
        return nodes.get(nodeId).pid();
    }

    @Override
    public int activeController(Admin admin) throws Exception {
        return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
    }

    @Override
    public void kill(int nodeId) {
        Process p = nodes.remove(nodeId);
        if (p != null) children.kill(p.pid());
    }

    @Override
    public void restart(int nodeId) throws Exception {
        startNode(nodeId);
        // Through the restarted node itself: the others may still list it from before the kill.
        LocalCluster.awaitBrokers("127.0.0.1:" + brokerPort(nodeId), NODES, READY, this::allAlive);
    }

    @Override
    public void close() {
        for (Process p : nodes.values()) children.kill(p.pid());
        nodes.clear();
        Dirs.deleteQuietly(dir);
    }
}
