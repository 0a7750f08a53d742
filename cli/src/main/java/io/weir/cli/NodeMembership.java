package io.weir.cli;

import io.weir.broker.node.NodeConfig;
import io.weir.controller.config.ConfigControlManager;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.BrokerIdNotRegisteredException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code weir cluster add-node | remove-node}: growing and shrinking a running local cluster.
 * A new node is a broker only: on Ratis it learns metadata as a listener of the quorum (not a
 * voter), on ZooKeeper it is one more client of the ensemble; the automatic balancer gives it
 * its share. Removing drains the node through the controller (leadership first, then every
 * replica), stops it, unregisters it and deletes its directory.
 */
final class NodeMembership {
    private static final String HOST = "127.0.0.1";

    private NodeMembership() {
    }

    /**
     * Node {@code id}'s config, next to the cluster's first node {@code first} (whose config is
     * {@code template}): ports laid out as {@code cluster up} does, the same cluster id and
     * coordination, and on Ratis a listener on its own quorum port instead of a voter.
     */
    static NodeConfig nodeConfig(NodeConfig template, int first, int id, Path nodeDir) {
        int basePort = template.kafkaListener().port() - (first - 1);
        NodeConfig.Coordination c = template.coordination();
        NodeConfig.Coordination coordination = c.backend().equals("ratis")
                ? NodeConfig.Coordination.ratisListener(c.voters(), basePort + 100 + id - 1)
                : c;
        return NodeConfig.of(id, template.clusterId(), nodeDir.resolve("data").toAbsolutePath(),
                new NodeConfig.Listeners(HOST + ":" + (basePort + id - 1), HOST + ":" + (basePort + 200 + id - 1)),
                coordination).with(settings(template));
    }

    /** What a joining node shares with the cluster's first: its groups' replication and the cluster secret. */
    private static Map<String, Object> settings(NodeConfig template) {
        Map<String, Object> shared = new java.util.HashMap<>();
        shared.put("offsets.topic.replication.factor", template.offsetsTopicReplicationFactor());
        if (template.clusterSecretFile() != null) {
            shared.put("cluster.secret.file", template.clusterSecretFile().toAbsolutePath().toString());
        }
        return shared;
    }

    /** An admin client of the local cluster in {@code layout} (as its admin user when it is secure). */
    static Admin admin(ClusterCommand.Layout layout, String bootstrap) throws IOException {
        return Admin.create(ClientOptions.forCluster(layout.dir, bootstrap, Map.of(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000)));
    }

    /** Bootstrap servers of the running nodes of the layout, from their configs. */
    static String bootstrap(ClusterCommand.Layout layout, int except) throws IOException {
        StringBuilder out = new StringBuilder();
        for (int i : layout.nodes()) {
            if (i == except || layout.running(i).isEmpty()) continue;
            if (out.length() > 0) out.append(',');
            NodeConfig.HostPort kafka = NodeConfig.load(layout.config(i)).kafkaListener();
            out.append(kafka.host()).append(':').append(kafka.port());
        }
        return out.toString();
    }

    static void writeBootstrap(ClusterCommand.Layout layout) throws IOException {
        Files.writeString(layout.dir.resolve("bootstrap"), bootstrap(layout, -1) + "\n");
    }

    /** Replicas each broker holds, over every topic (internal ones included). */
    static Map<Integer, Long> replicasOn(Admin admin) throws Exception {
        var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
        return admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                .flatMap(t -> t.partitions().stream()).flatMap(p -> p.replicas().stream())
                .collect(Collectors.groupingBy(n -> n.id(), Collectors.counting()));
    }

    @Command(mixinStandardHelpOptions = true, name = "add-node",
            description = "Start one more node (a broker; on Ratis a non-voting listener of the metadata quorum) "
                    + "against the running local cluster; the balancer gives it its share of replicas.")
    static final class AddNode implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ClusterCommand.Layout layout = new ClusterCommand.Layout();

        @Override
        public Integer call() throws Exception {
            List<Integer> nodes = layout.nodes();
            if (nodes.isEmpty()) {
                System.err.println("no cluster in " + layout.dir + "; run cluster up first");
                return 2;
            }
            int first = nodes.get(0);
            int id = nodes.get(nodes.size() - 1) + 1;
            NodeConfig config = nodeConfig(NodeConfig.load(layout.config(first)), first, id, layout.nodeDir(id));
            if (SecureCluster.isSecure(layout.dir)) config = new SecureCluster(layout.dir).secure(config, id, layout.nodeDir(id));
            Files.createDirectories(layout.nodeDir(id));
            config.write(layout.config(id));
            layout.start(id);
            if (!layout.awaitHealthy(List.of(id))) return 1;
            writeBootstrap(layout);
            System.out.printf("node-%d\tbroker\t%s%n", id, config.listeners().kafka());
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "remove-node",
            description = "Drain a broker-only node (leadership first, then every replica moves away), "
                    + "then stop it, unregister it and delete its directory.")
    static final class RemoveNode implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ClusterCommand.Layout layout = new ClusterCommand.Layout();
        @Parameters(index = "0")
        int node;
        @Option(names = "--timeout", defaultValue = "PT30M", description = "how long to wait for the drain (ISO-8601, default: ${DEFAULT-VALUE})")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            if (!Files.exists(layout.config(node))) {
                System.err.println("no node " + node + " in " + layout.dir);
                return 2;
            }
            NodeConfig config = NodeConfig.load(layout.config(node));
            String bootstrap = bootstrap(layout, node);
            // On Ratis only the running quorum can say (a promoted node's file still says broker-only),
            // so without its answer nothing is removed: deleting a voter's directory loses a vote.
            boolean ratis = config.coordination().backend().equals("ratis");
            Optional<Set<Integer>> voters = ratis ? QuorumCommand.liveVoters(layout, bootstrap) : Optional.empty();
            if (ratis && voters.isEmpty()) {
                System.err.println("cannot ask the metadata quorum whether node " + node + " is a voter; "
                        + "try again when the cluster answers");
                return 1;
            }
            if (voters.map(v -> v.contains(node)).orElse(false)) {
                System.err.println("node " + node + " is a voter of the metadata quorum; remove it from the voters "
                        + "first (weir quorum remove-voter " + node + ") or remove a broker-only node");
                return 2;
            }
            if (bootstrap.isEmpty()) {
                System.err.println("no other node is running");
                return 1;
            }
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(node));
            try (Admin admin = admin(layout, bootstrap)) {
                if (layout.running(node).isPresent()) {
                    admin.incrementalAlterConfigs(Map.of(broker, List.of(new AlterConfigOp(
                            new ConfigEntry(ConfigControlManager.BROKER_DRAINING, "true"), AlterConfigOp.OpType.SET))))
                            .all().get(30, TimeUnit.SECONDS);
                    if (!awaitDrained(admin)) return 1;
                }
                layout.stop(node);
                try {
                    admin.unregisterBroker(node).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof BrokerIdNotRegisteredException)) throw e;
                }
            }
            deleteRecursively(layout.nodeDir(node));
            writeBootstrap(layout);
            System.out.printf("node-%d removed%n", node);
            return 0;
        }

        private boolean awaitDrained(Admin admin) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            long last = -1;
            while (System.nanoTime() < deadline) {
                long left = replicasOn(admin).getOrDefault(node, 0L);
                if (left == 0) return true;
                if (left != last) System.out.printf("node-%d: %d replicas left%n", node, left);
                last = left;
                TimeUnit.SECONDS.sleep(1);
            }
            System.err.println("node " + node + " still holds replicas after " + timeout + "; it keeps draining");
            return false;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
