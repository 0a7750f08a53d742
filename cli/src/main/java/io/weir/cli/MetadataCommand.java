package io.weir.cli;

import io.weir.broker.node.NodeConfig;
import io.weir.controller.coordination.StoredMetadata;
import io.weir.metadata.quorum.RatisMetadataStore;
import io.weir.zk.ZooKeeperConnect;
import io.weir.zk.ZooKeeperMetadataStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weir metadata export | import}: an offline move of a local cluster's whole metadata
 * between the Ratis and ZooKeeper backends (see cli/README.md, "Moving between backends").
 * Both work on a cluster directory of {@code cluster up} whose nodes are stopped.
 */
@Command(mixinStandardHelpOptions = true, name = "metadata",
        description = "Move a stopped cluster's metadata between the ratis and zookeeper backends.",
        subcommands = {MetadataCommand.Export.class, MetadataCommand.Import.class})
final class MetadataCommand implements Runnable {
    private static final Duration ZOOKEEPER_TIMEOUT = Duration.ofSeconds(15);

    @Override
    public void run() {
        System.err.println("usage: weir metadata export|import --dir DIR FILE");
    }

    /** A refusal with a message for the user (exit code 1, no stack trace). */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** The stopped cluster in {@code --dir}: its node configs. */
    static List<NodeConfig> stoppedNodes(ClusterCommand.Layout layout) throws IOException, Refused {
        List<Integer> ids = layout.nodes();
        if (ids.isEmpty()) {
            throw new Refused("no cluster in " + layout.dir + " (no node-N directories)");
        }
        List<NodeConfig> configs = new ArrayList<>();
        for (int i : ids) {
            Optional<ProcessHandle> running = layout.running(i);
            if (running.isPresent()) {
                throw new Refused("node " + i + " is running (pid " + running.get().pid()
                        + "); stop the cluster first (weir cluster down --dir " + layout.dir + ")");
            }
            configs.add(NodeConfig.load(layout.config(i)));
        }
        String clusterId = configs.get(0).clusterId();
        for (NodeConfig c : configs) {
            if (!c.clusterId().equals(clusterId)) {
                throw new Refused("nodes of " + layout.dir + " disagree on cluster.id: '" + clusterId + "' and '"
                        + c.clusterId() + "'");
            }
        }
        return configs;
    }

    static Path ratisDir(NodeConfig node) {
        return node.dataDir().resolve("metadata");
    }

    /**
     * Runs {@code work} against ZooKeeper at {@code connect}; when that is the cluster's own
     * local server and it is stopped, starts it for the duration and stops it again.
     */
    static <T> T withZooKeeper(ClusterCommand.Layout layout, String connect, String clusterId,
                               ZooKeeperWork<T> work) throws Exception {
        ClusterCommand.LocalZooKeeper local = new ClusterCommand.LocalZooKeeper(layout.dir);
        boolean startedHere = false;
        if (local.exists() && local.running().isEmpty()
                && connect.startsWith(ClusterCommand.HOST + ":" + local.port() + "/")) {
            local.start(local.port());
            startedHere = true;
            if (!local.awaitHealthy()) {
                local.stop();
                throw new Refused("the cluster's ZooKeeper in " + layout.dir.resolve("zookeeper") + " did not start");
            }
        }
        try (ZooKeeperMetadataStore store = new ZooKeeperMetadataStore(ZooKeeperConnect.parse(connect), clusterId,
                ZOOKEEPER_TIMEOUT)) {
            return work.run(store);
        } finally {
            if (startedHere) local.stop();
        }
    }

    interface ZooKeeperWork<T> {
        T run(ZooKeeperMetadataStore store) throws Exception;
    }

    static int fail(Exception e) {
        System.err.println("error: " + e.getMessage());
        return 1;
    }

    @Command(mixinStandardHelpOptions = true, name = "export",
            description = "Write the whole committed metadata of a stopped cluster to FILE.")
    static final class Export implements Callable<Integer> {
        @Mixin
        ClusterCommand.Layout layout = new ClusterCommand.Layout();
        @Parameters(index = "0", paramLabel = "FILE", description = "the export file to write (must not exist)")
        Path file;

        @Override
        public Integer call() {
            try {
                if (Files.exists(file)) throw new Refused(file + " already exists; export will not overwrite it");
                List<NodeConfig> nodes = stoppedNodes(layout);
                NodeConfig first = nodes.get(0);
                String backend = first.coordination().backend();
                StoredMetadata metadata = switch (backend) {
                    case "ratis" -> readRatis(nodes);
                    case "zookeeper" -> withZooKeeper(layout, first.coordination().zookeeper().connect(),
                            first.clusterId(), store -> store.read().orElseThrow(() ->
                                    new Refused("ZooKeeper at " + first.coordination().zookeeper().connect()
                                            + " holds no metadata of cluster '" + first.clusterId() + "'")));
                    default -> throw new Refused("the " + backend + " backend keeps no metadata to export");
                };
                Files.write(file, new MetadataExportFile(first.clusterId(), backend, metadata).encode());
                System.out.println("exported cluster '" + first.clusterId() + "' from " + backend + ": metadata offset "
                        + metadata.image().offset() + ", " + metadata.image().topicsById().size() + " topics, "
                        + metadata.image().brokers().size() + " brokers, controller epoch "
                        + metadata.controllerEpoch() + " -> " + file);
                return 0;
            } catch (Exception e) {
                return fail(e);
            }
        }

        /** Every node's storage; the one that knows the most committed metadata wins. */
        private static StoredMetadata readRatis(List<NodeConfig> nodes) throws IOException, Refused {
            StoredMetadata best = null;
            for (NodeConfig node : nodes) {
                Optional<StoredMetadata> read = new RatisMetadataStore(ratisDir(node), node.clusterId()).read();
                if (read.isPresent() && (best == null || read.get().image().offset() > best.image().offset())) {
                    best = read.get();
                }
            }
            if (best == null || best.image().offset() < 0) {
                throw new Refused("no node holds Ratis metadata of cluster '" + nodes.get(0).clusterId() + "'");
            }
            return best;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "import",
            description = "Seed a stopped cluster's (empty) target backend with an export, before its first start on it.")
    static final class Import implements Callable<Integer> {
        @Mixin
        ClusterCommand.Layout layout = new ClusterCommand.Layout();
        @Option(names = "--backend", required = true, description = "the target backend: ratis or zookeeper")
        String backend;
        @Option(names = "--zookeeper", description = "host:port[,...][/chroot] of the target ensemble; default: the "
                + "cluster's local ZooKeeper, as cluster up --backend zookeeper uses it")
        String zookeeper;
        @Parameters(index = "0", paramLabel = "FILE", description = "a file written by weir metadata export")
        Path file;

        @Override
        public Integer call() {
            try {
                if (!backend.equals("ratis") && !backend.equals("zookeeper")) {
                    throw new Refused("--backend must be ratis or zookeeper, not " + backend);
                }
                if (zookeeper != null && !backend.equals("zookeeper")) throw new Refused("--zookeeper needs --backend zookeeper");
                if (!Files.isRegularFile(file)) throw new Refused("no export file " + file);
                MetadataExportFile export;
                try {
                    export = MetadataExportFile.decode(Files.readAllBytes(file));
                } catch (IllegalArgumentException e) {
                    throw new Refused(file + ": " + e.getMessage());
                }
                List<NodeConfig> nodes = stoppedNodes(layout);
                String clusterId = nodes.get(0).clusterId();
                if (!export.clusterId().equals(clusterId)) {
                    throw new Refused(file + " holds cluster '" + export.clusterId() + "', but " + layout.dir
                            + " is cluster '" + clusterId + "'");
                }
                if (backend.equals("ratis")) {
                    seedRatis(nodes, export.metadata());
                } else {
                    String connect = zookeeper != null ? zookeeper : localConnect(nodes.get(0));
                    withZooKeeper(layout, connect, clusterId, store -> {
                        store.seed(export.metadata());
                        return null;
                    });
                }
                System.out.println("imported cluster '" + clusterId + "' (metadata offset "
                        + export.metadata().image().offset() + ", from " + export.sourceBackend() + ") into " + backend
                        + "; start it with: weir cluster up --dir " + layout.dir + " --backend " + backend
                        + (zookeeper != null ? " --zookeeper " + zookeeper : ""));
                return 0;
            } catch (Exception e) {
                return fail(e);
            }
        }

        /** Checks every node first, so a refusal seeds none. */
        private static void seedRatis(List<NodeConfig> nodes, StoredMetadata metadata) throws IOException, Refused {
            for (NodeConfig node : nodes) {
                RatisMetadataStore store = new RatisMetadataStore(ratisDir(node), node.clusterId());
                if (!store.isEmpty()) {
                    throw new Refused("node " + node.nodeId() + " already holds Ratis metadata in " + store.groupDir()
                            + "; the target must be empty (move that directory away first)");
                }
            }
            for (NodeConfig node : nodes) {
                new RatisMetadataStore(ratisDir(node), node.clusterId()).seed(metadata);
            }
        }

        /** The ensemble {@code cluster up --backend zookeeper} gives this cluster: the base port + 300, /weir-local. */
        private String localConnect(NodeConfig first) throws IOException {
            ClusterCommand.LocalZooKeeper local = new ClusterCommand.LocalZooKeeper(layout.dir);
            int port = local.exists() ? local.port() : first.kafkaListener().port() - (first.nodeId() - 1) + 300;
            if (!local.exists()) local.writeConfig(port);
            return ClusterCommand.HOST + ":" + port + "/weir-local";
        }
    }
}
