package io.weir.cli;

import io.weir.broker.node.NodeConfig;
import io.weir.storage.JvmFlags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code weir cluster up|status|down|stop-node|start-node} (and {@code add-node|remove-node}, in
 * {@link NodeMembership}): a local cluster of N nodes, each a
 * child JVM running {@code weir server}, laid out as DESIGN.md says: node i listens on P+i-1
 * (Kafka), P+100+i-1 (quorum), P+200+i-1 (HTTP); {@code D/node-i/} holds its config, data, log
 * file and pid; {@code D/bootstrap} holds the bootstrap servers. With {@code --backend zookeeper}
 * the nodes use a real ZooKeeper server started as its own JVM from the ZooKeeper jar (client
 * port P+300, its config, data, log and pid in {@code D/zookeeper/}), or an existing ensemble
 * given with {@code --zookeeper}.
 */
@Command(mixinStandardHelpOptions = true, name = "cluster", description = "Run a local multi-node cluster.",
        subcommands = {ClusterCommand.Up.class, ClusterCommand.Status.class, ClusterCommand.Down.class,
                ClusterCommand.StopNode.class, ClusterCommand.StartNode.class, NodeMembership.AddNode.class,
                NodeMembership.RemoveNode.class})
final class ClusterCommand implements Runnable {
    static final String HOST = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ZOOKEEPER_READY_TIMEOUT = Duration.ofSeconds(60);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static class Layout {
        @Option(names = "--dir", defaultValue = "weir-data", description = "cluster directory (default: ${DEFAULT-VALUE})")
        Path dir;

        Path nodeDir(int i) {
            return dir.resolve("node-" + i);
        }

        List<Integer> nodes() throws IOException {
            if (!Files.isDirectory(dir)) return List.of();
            try (Stream<Path> s = Files.list(dir)) {
                return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("node-\\d+"))
                        .map(n -> Integer.parseInt(n.substring(5))).sorted().collect(Collectors.toList());
            }
        }

        Optional<ProcessHandle> running(int i) throws IOException {
            Path pid = nodeDir(i).resolve("pid");
            if (!Files.exists(pid)) return Optional.empty();
            return ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).filter(ProcessHandle::isAlive);
        }

        Path config(int i) {
            return nodeDir(i).resolve("node.yaml");
        }

        int httpPort(int i) throws IOException {
            String http = NodeConfig.load(config(i)).listeners().http();
            if (http == null) throw new IOException("no http listener in " + config(i));
            return NodeConfig.HostPort.parse(http).port();
        }

        void start(int i) throws IOException {
            if (running(i).isPresent()) return;
            Path nodeDir = nodeDir(i);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JvmFlags.chronicle());
            command.add("-Xmx1g");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(WeirCli.class.getName());
            command.add("server");
            command.add("--config");
            command.add(config(i).toAbsolutePath().toString());
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(nodeDir.resolve("node.log").toFile()))
                    .redirectErrorStream(true)
                    .start();
            Files.writeString(nodeDir.resolve("pid"), Long.toString(process.pid()));
        }

        boolean healthy(int i) {
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort(i) + "/health"))
                        .timeout(Duration.ofSeconds(2));
                SecureCluster.httpToken(dir).ifPresent(token -> request.header("Authorization", "Bearer " + token));
                HttpResponse<Void> r = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
                return r.statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        boolean awaitHealthy(List<Integer> nodes) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            List<Integer> waiting = new ArrayList<>(nodes);
            while (!waiting.isEmpty() && System.nanoTime() < deadline) {
                // Only our own process counts: another cluster on the same ports answers /health too.
                waiting.removeIf(i -> isRunning(i) && healthy(i));
                for (int i : List.copyOf(waiting)) {
                    if (running(i).isEmpty()) {
                        System.err.println("node " + i + " exited; see " + nodeDir(i).resolve("node.log"));
                        return false;
                    }
                }
                if (!waiting.isEmpty()) TimeUnit.MILLISECONDS.sleep(100);
            }
            if (!waiting.isEmpty()) System.err.println("nodes " + waiting + " not ready within " + READY_TIMEOUT);
            return waiting.isEmpty();
        }

        boolean isRunning(int i) {
            try {
                return running(i).isPresent();
            } catch (IOException e) {
                return false;
            }
        }

        void stop(int i) throws IOException, InterruptedException {
            Optional<ProcessHandle> process = running(i);
            if (process.isPresent()) {
                process.get().destroy(); // SIGTERM: the node shuts down cleanly
                try {
                    process.get().onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    System.err.println("node " + i + " did not stop within " + STOP_TIMEOUT + "; killing it");
                    process.get().destroyForcibly();
                }
            }
            Files.deleteIfExists(nodeDir(i).resolve("pid"));
        }
    }

    /** The local ZooKeeper server of a cluster on the zookeeper backend, in {@code D/zookeeper/}. */
    static final class LocalZooKeeper {
        private final Path dir;

        LocalZooKeeper(Path clusterDir) {
            this.dir = clusterDir.resolve("zookeeper");
        }

        boolean exists() {
            return Files.exists(dir.resolve("zoo.cfg"));
        }

        Optional<ProcessHandle> running() throws IOException {
            Path pid = dir.resolve("pid");
            if (!Files.exists(pid)) return Optional.empty();
            return ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).filter(ProcessHandle::isAlive);
        }

        /** The standalone server's config: loopback only, no admin web server, only the ruok command. */
        static String zooCfg(Path dataDir, int port) {
            return """
                    tickTime=2000
                    dataDir=%s
                    clientPort=%d
                    clientPortAddress=%s
                    maxSessionTimeout=60000
                    admin.enableServer=false
                    4lw.commands.whitelist=ruok
                    """.formatted(dataDir.toAbsolutePath(), port, HOST);
        }

        /** Writes {@code zoo.cfg} for {@code port}, unless there is one. */
        void writeConfig(int port) throws IOException {
            Files.createDirectories(dir.resolve("data"));
            if (!exists()) Files.writeString(dir.resolve("zoo.cfg"), zooCfg(dir.resolve("data"), port));
        }

        /** Starts the server (unless it runs) as a child JVM of the official ZooKeeper main class. */
        void start(int port) throws IOException {
            if (running().isPresent()) return;
            writeConfig(port);
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    "org.apache.zookeeper.server.ZooKeeperServerMain", dir.resolve("zoo.cfg").toAbsolutePath().toString());
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("zookeeper.log").toFile()))
                    .redirectErrorStream(true)
                    .start();
            Files.writeString(dir.resolve("pid"), Long.toString(process.pid()));
        }

        int port() throws IOException {
            for (String line : Files.readAllLines(dir.resolve("zoo.cfg"))) {
                if (line.startsWith("clientPort=")) return Integer.parseInt(line.substring("clientPort=".length()).trim());
            }
            throw new IOException("no clientPort in " + dir.resolve("zoo.cfg"));
        }

        /** Whether the server answers ZooKeeper's "ruok" with "imok". */
        boolean healthy() {
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(HOST, port()), 1000);
                socket.setSoTimeout(2000);
                socket.getOutputStream().write("ruok".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                return new String(socket.getInputStream().readNBytes(4), java.nio.charset.StandardCharsets.US_ASCII)
                        .equals("imok");
            } catch (IOException e) {
                return false;
            }
        }

        boolean awaitHealthy() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + ZOOKEEPER_READY_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                if (healthy()) return true;
                if (running().isEmpty()) {
                    System.err.println("ZooKeeper exited; see " + dir.resolve("zookeeper.log"));
                    return false;
                }
                TimeUnit.MILLISECONDS.sleep(250);
            }
            System.err.println("ZooKeeper not ready within " + ZOOKEEPER_READY_TIMEOUT + "; see " + dir.resolve("zookeeper.log"));
            return false;
        }

        void stop() throws IOException, InterruptedException {
            Optional<ProcessHandle> process = running();
            if (process.isPresent()) {
                process.get().destroy();
                try {
                    process.get().onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    System.err.println("ZooKeeper did not stop within " + STOP_TIMEOUT + "; killing it");
                    process.get().destroyForcibly();
                }
            }
            Files.deleteIfExists(dir.resolve("pid"));
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "up", description = "Start (or restart) a local cluster and print its bootstrap servers.")
    static final class Up implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Layout layout = new Layout();
        @Option(names = "--nodes", defaultValue = "3")
        int nodes;
        @Option(names = "--base-port", defaultValue = "9092")
        int basePort;
        @Option(names = "--backend", defaultValue = "ratis",
                description = "ratis (an embedded quorum, default) or zookeeper (a ZooKeeper server)")
        String backend;
        @Option(names = "--zookeeper", description = "host:port[,host:port...][/chroot] of an existing ZooKeeper "
                + "ensemble (zookeeper backend); without it one is started in DIR/zookeeper on port P+300")
        String zookeeper;
        @Option(names = "--secure", description = "SASL_SSL (SCRAM) on every Kafka port, TLS between nodes from the "
                + "cluster's own CA, an admin user, and DIR/client.properties for Kafka's tools (a cluster made secure stays so)")
        boolean secure;

        @Override
        public Integer call() throws Exception {
            if (!backend.equals("ratis") && !backend.equals("zookeeper")) {
                System.err.println("--backend must be ratis or zookeeper, not " + backend);
                return 2;
            }
            if (zookeeper != null && !backend.equals("zookeeper")) {
                System.err.println("--zookeeper needs --backend zookeeper");
                return 2;
            }
            if (nodes < 1 || nodes > 99) {
                System.err.println("--nodes must be in 1..99");
                return 2;
            }
            if (backend.equals("zookeeper") && zookeeper == null) {
                LocalZooKeeper zk = new LocalZooKeeper(layout.dir);
                zk.start(basePort + 300);
                if (!zk.awaitHealthy()) return 1;
            }
            ensureClusterSecret();
            secure |= SecureCluster.isSecure(layout.dir);
            List<Integer> ids = new ArrayList<>();
            for (int i = 1; i <= nodes; i++) {
                Files.createDirectories(layout.nodeDir(i));
                nodeConfig(i).write(layout.config(i));
                layout.start(i);
                ids.add(i);
            }
            if (!layout.awaitHealthy(ids)) return 1;
            String bootstrap = ids.stream().map(i -> HOST + ":" + kafkaPort(i)).collect(Collectors.joining(","));
            Files.writeString(layout.dir.resolve("bootstrap"), bootstrap + "\n");
            if (secure) new SecureCluster(layout.dir).ensureAdmin(bootstrap, secretFile());
            System.out.println(bootstrap);
            if (secure) {
                System.out.println("client settings (user " + SecureCluster.ADMIN + "): --command-config "
                        + layout.dir.toAbsolutePath().resolve(ClientOptions.CLIENT_PROPERTIES));
            }
            return 0;
        }

        /**
         * Node {@code i}'s config, ports as the class javadoc says: on Ratis every node is a
         * voter; on ZooKeeper every node uses the same ensemble (the local server in the
         * {@code /weir-local} chroot, or {@code --zookeeper}).
         */
        NodeConfig nodeConfig(int i) throws IOException {
            NodeConfig.Coordination coordination;
            if (backend.equals("zookeeper")) {
                String connect = zookeeper != null ? zookeeper : HOST + ":" + (basePort + 300) + "/weir-local";
                coordination = NodeConfig.Coordination.zookeeper(new NodeConfig.ZooKeeper(connect));
            } else {
                List<NodeConfig.Voter> voters = new ArrayList<>();
                for (int v = 1; v <= nodes; v++) {
                    voters.add(new NodeConfig.Voter(v, HOST, basePort + 100 + v - 1, kafkaPort(v)));
                }
                coordination = new NodeConfig.Coordination("ratis", voters);
            }
            NodeConfig config = NodeConfig.of(i, "weir-local", layout.nodeDir(i).resolve("data").toAbsolutePath(),
                    new NodeConfig.Listeners(HOST + ":" + kafkaPort(i), HOST + ":" + (basePort + 200 + i - 1)),
                    coordination);
            // As on Ratis, where it is min(3, voters): a one- or two-node local cluster still gets groups.
            config = config.with(java.util.Map.of("offsets.topic.replication.factor", Math.min(3, nodes),
                    "cluster.secret.file", secretFile().toAbsolutePath().toString()));
            return secure ? new SecureCluster(layout.dir).secure(config, i, layout.nodeDir(i)) : config;
        }

        private Path secretFile() {
            return layout.dir.resolve("cluster.secret");
        }

        /**
         * The secret the nodes prove to each other (cluster membership, docs/SECURITY.md): made
         * once per cluster directory, readable by its owner only, kept across restarts.
         */
        void ensureClusterSecret() throws IOException {
            SecureCluster.ensureSecretFile(secretFile());
        }

        private int kafkaPort(int i) {
            return basePort + i - 1;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "status", description = "Show each node's process and health.")
    static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Layout layout = new Layout();

        @Override
        public Integer call() throws Exception {
            List<Integer> nodes = layout.nodes();
            if (nodes.isEmpty()) {
                System.out.println("no cluster in " + layout.dir);
                return 1;
            }
            boolean allUp = true;
            LocalZooKeeper zk = new LocalZooKeeper(layout.dir);
            if (zk.exists()) {
                Optional<ProcessHandle> p = zk.running();
                boolean healthy = p.isPresent() && zk.healthy();
                allUp &= healthy;
                System.out.printf("zookeeper\t%s\t%s%n", p.map(h -> "pid " + h.pid()).orElse("stopped"),
                        healthy ? "serving" : p.isPresent() ? "not ready" : "-");
            }
            NodeLoad load = NodeLoad.read(layout, NodeMembership.bootstrap(layout, -1),
                    nodes.stream().filter(layout::isRunning).toList());
            // Roles from the quorum itself when it answers: add-voter/remove-voter change no node file.
            boolean ratis = !nodes.isEmpty()
                    && NodeConfig.load(layout.config(nodes.get(0))).coordination().backend().equals("ratis");
            Optional<java.util.Set<Integer>> voters = ratis
                    ? QuorumCommand.liveVoters(layout, NodeMembership.bootstrap(layout, -1)) : Optional.empty();
            System.out.println("node\trole\tprocess\tstate\treplicas\tleaders\tbytes");
            for (int i : nodes) {
                Optional<ProcessHandle> p = layout.running(i);
                boolean healthy = p.isPresent() && layout.healthy(i);
                allUp &= healthy;
                boolean inFile = NodeConfig.load(layout.config(i)).coordination().isVoter(i);
                int id = i;
                boolean voter = voters.map(v -> v.contains(id)).orElse(inFile);
                System.out.printf("node-%d\t%s\t%s\t%s\t%s%n", i, voter ? "voter" : "broker",
                        p.map(h -> "pid " + h.pid()).orElse("stopped"),
                        healthy ? "serving" : p.isPresent() ? "not ready" : "-", load.describe(i));
            }
            return allUp ? 0 : 1;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "down",
            description = "Stop every node, then the local ZooKeeper server if any (SIGTERM, then kill after 30 s). Data is kept.")
    static final class Down implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Layout layout = new Layout();

        @Override
        public Integer call() throws Exception {
            for (int i : layout.nodes()) layout.stop(i);
            // Last: nodes resign and close their sessions while ZooKeeper still answers.
            new LocalZooKeeper(layout.dir).stop();
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "stop-node", description = "Stop one node.")
    static final class StopNode implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Layout layout = new Layout();
        @Parameters(index = "0")
        int node;

        @Override
        public Integer call() throws Exception {
            layout.stop(node);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "start-node", description = "Start one stopped node with its existing config and data.")
    static final class StartNode implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Layout layout = new Layout();
        @Parameters(index = "0")
        int node;

        @Override
        public Integer call() throws Exception {
            if (!Files.exists(layout.config(node))) {
                System.err.println("node " + node + " has no config; run cluster up first");
                return 2;
            }
            LocalZooKeeper zk = new LocalZooKeeper(layout.dir);
            if (zk.exists() && zk.running().isEmpty()) {
                zk.start(zk.port());
                if (!zk.awaitHealthy()) return 1;
            }
            layout.start(node);
            return layout.awaitHealthy(List.of(node)) ? 0 : 1;
        }
    }
}
