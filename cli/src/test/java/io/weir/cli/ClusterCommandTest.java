package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.broker.node.NodeConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code weir cluster up}'s node files follow DESIGN.md's layout and load back as written. */
class ClusterCommandTest {
    @TempDir
    Path dir;

    private ClusterCommand.Up up(String... args) {
        CommandLine.ParseResult parsed = new CommandLine(new WeirCli()).parseArgs(args);
        return (ClusterCommand.Up) parsed.subcommand().subcommand().commandSpec().userObject();
    }

    @Test
    void nodeIListensOnBasePortPlusIMinusOneAndItsQuorumAndHttpPortsAreHundredsAbove() throws Exception {
        ClusterCommand.Up up = up("cluster", "up", "--nodes", "3", "--base-port", "19092", "--dir", dir.toString());

        NodeConfig node2 = up.nodeConfig(2);

        assertThat(node2.nodeId()).isEqualTo(2);
        assertThat(node2.listeners().kafka()).isEqualTo("127.0.0.1:19093");
        assertThat(node2.listeners().http()).isEqualTo("127.0.0.1:19293");
        assertThat(node2.dataDir()).isEqualTo(dir.resolve("node-2").resolve("data").toAbsolutePath());
        assertThat(node2.coordination().backend()).isEqualTo("ratis");
        assertThat(node2.coordination().voters()).containsExactly(
                new NodeConfig.Voter(1, "127.0.0.1", 19192, 19092),
                new NodeConfig.Voter(2, "127.0.0.1", 19193, 19093),
                new NodeConfig.Voter(3, "127.0.0.1", 19194, 19094));
    }

    @Test
    void everyNodeSharesOneOwnerOnlyClusterSecretThatRestartsKeep() throws Exception {
        ClusterCommand.Up up = up("cluster", "up", "--nodes", "3", "--dir", dir.toString());

        up.ensureClusterSecret();
        String secret = java.nio.file.Files.readString(dir.resolve("cluster.secret"));
        up.ensureClusterSecret();

        assertThat(java.nio.file.Files.readString(dir.resolve("cluster.secret"))).isEqualTo(secret);
        assertThat(secret.trim()).hasSizeGreaterThanOrEqualTo(32);
        assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("cluster.secret")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(up.nodeConfig(1).clusterSecretFile()).isEqualTo(dir.resolve("cluster.secret").toAbsolutePath());
        assertThat(up.nodeConfig(3).clusterSecretFile()).isEqualTo(up.nodeConfig(1).clusterSecretFile());
    }

    @Test
    void theWrittenNodeFileLoadsBackToTheSameConfig() throws Exception {
        ClusterCommand.Up up = up("cluster", "up", "--nodes", "3", "--base-port", "19092", "--dir", dir.toString());
        Path file = dir.resolve("node.yaml");

        up.nodeConfig(3).write(file);

        assertThat(NodeConfig.load(file)).isEqualTo(up.nodeConfig(3));
    }

    @Test
    void anAddedNodeIsABrokerOnlyListenerWithTheNextIdsPorts() throws Exception {
        ClusterCommand.Up up = up("cluster", "up", "--nodes", "3", "--base-port", "19092", "--dir", dir.toString());

        NodeConfig node4 = NodeMembership.nodeConfig(up.nodeConfig(1), 1, 4, dir.resolve("node-4"));

        assertThat(node4.nodeId()).isEqualTo(4);
        assertThat(node4.clusterId()).isEqualTo("weir-local");
        assertThat(node4.listeners().kafka()).isEqualTo("127.0.0.1:19095");
        assertThat(node4.listeners().http()).isEqualTo("127.0.0.1:19295");
        assertThat(node4.coordination().voters()).isEqualTo(up.nodeConfig(1).coordination().voters());
        assertThat(node4.coordination().isVoter(4)).isFalse();
        assertThat(node4.coordination().quorumPort()).isEqualTo(19195);
        assertThat(node4.offsetsTopicReplicationFactor()).isEqualTo((short) 3);
        Path file = dir.resolve("node-4.yaml");
        node4.write(file);
        assertThat(NodeConfig.load(file)).isEqualTo(node4);
    }

    @Test
    void onZooKeeperAnAddedNodeUsesTheSameEnsemble() throws Exception {
        ClusterCommand.Up up = up("cluster", "up", "--backend", "zookeeper", "--nodes", "3", "--base-port", "19092",
                "--dir", dir.toString());

        NodeConfig node4 = NodeMembership.nodeConfig(up.nodeConfig(1), 1, 4, dir.resolve("node-4"));

        assertThat(node4.coordination()).isEqualTo(up.nodeConfig(1).coordination());
        assertThat(node4.listeners().kafka()).isEqualTo("127.0.0.1:19095");
    }

    @Test
    void everyCommandIsReachableFromWeir() {
        CommandLine weir = new CommandLine(new WeirCli());

        assertThat(weir.getSubcommands()).containsOnlyKeys("server", "cluster", "topics", "produce", "consume", "metadata",
                "groups", "quorum", "reassignments");
        assertThat(weir.getSubcommands().get("quorum").getSubcommands())
                .containsOnlyKeys("status", "add-voter", "remove-voter");
        assertThat(weir.getSubcommands().get("cluster").getSubcommands())
                .containsOnlyKeys("up", "status", "down", "stop-node", "start-node", "add-node", "remove-node");
        assertThat(weir.getSubcommands().get("metadata").getSubcommands()).containsOnlyKeys("export", "import");
    }

    @Test
    void onZooKeeperEveryNodeUsesTheLocalServerOnBasePortPlus300InTheClustersChroot() throws Exception {
        ClusterCommand.Up up = up("cluster", "up", "--backend", "zookeeper", "--nodes", "3", "--base-port", "19092",
                "--dir", dir.toString());
        Path file = dir.resolve("node.yaml");

        NodeConfig node2 = up.nodeConfig(2);
        node2.write(file);

        assertThat(node2.coordination().backend()).isEqualTo("zookeeper");
        assertThat(node2.coordination().voters()).isEmpty();
        assertThat(node2.coordination().zookeeper().connect()).isEqualTo("127.0.0.1:19392/weir-local");
        assertThat(node2.listeners().kafka()).isEqualTo("127.0.0.1:19093");
        assertThat(node2.offsetsTopicReplicationFactor()).isEqualTo((short) 3);
        assertThat(NodeConfig.load(file)).isEqualTo(node2);
        assertThat(up("cluster", "up", "--backend", "zookeeper", "--zookeeper", "zk1:2181/prod")
                .nodeConfig(1).coordination().zookeeper().connect()).isEqualTo("zk1:2181/prod");
    }

    @Test
    void theLocalZooKeeperIsTheRealServerInItsOwnJvmAndStops() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ClusterCommand.LocalZooKeeper zk = new ClusterCommand.LocalZooKeeper(dir);
        try {
            zk.start(port);

            assertThat(zk.awaitHealthy()).isTrue();
            assertThat(zk.port()).isEqualTo(port);
            assertThat(zk.running()).isPresent();
            assertThat(zk.running().get().pid()).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(dir.resolve("zookeeper/data")).isDirectory();
        } finally {
            zk.stop();
        }
        assertThat(zk.running()).isEmpty();
        assertThat(zk.healthy()).isFalse();
    }
}
