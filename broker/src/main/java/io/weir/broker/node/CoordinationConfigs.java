package io.weir.broker.node;

import io.weir.metadata.quorum.QuorumPeer;
import io.weir.metadata.quorum.RatisConfig;
import io.weir.zk.ZooKeeperConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A node's settings for its coordination backend, from its {@link NodeConfig}. */
final class CoordinationConfigs {
    private CoordinationConfigs() {
    }

    /**
     * The Raft quorum of {@code config}: its voters, with this node's controller endpoint on its
     * own Kafka listener, and this node as a listener when it is not a voter.
     */
    static RatisConfig ratis(NodeConfig config, String advertisedHost, int kafkaPort, Path metadataDir) {
        List<QuorumPeer> voters = new ArrayList<>();
        for (NodeConfig.Voter v : config.coordination().voters()) {
            int controllerPort = v.id() == config.nodeId() ? kafkaPort : v.kafkaPort();
            voters.add(new QuorumPeer(v.id(), v.host(), v.quorumPort(), controllerPort));
        }
        List<QuorumPeer> listeners = new ArrayList<>();
        if (!config.coordination().isVoter(config.nodeId())) {
            Integer quorumPort = config.coordination().quorumPort();
            if (quorumPort == null) {
                throw new IllegalArgumentException("node " + config.nodeId()
                        + " is not a voter: coordination.quorum.port is required for a broker-only node");
            }
            listeners.add(new QuorumPeer(config.nodeId(), advertisedHost, quorumPort, kafkaPort));
        }
        RatisConfig defaults = RatisConfig.of(config.nodeId(), voters, listeners, metadataDir);
        return new RatisConfig(config.clusterId(), config.nodeId(), voters, listeners, metadataDir,
                defaults.snapshotEveryEntries(), defaults.snapshotsRetained(), defaults.electionTimeoutMin(),
                defaults.electionTimeoutMax(), defaults.appendTimeout(), defaults.logSegmentBytes(), null);
    }

    /** Every node of a ZooKeeper cluster may be elected; this one publishes its own Kafka listener as its controller endpoint. */
    static ZooKeeperConfig zooKeeper(NodeConfig config, String controllerHost, int kafkaPort) {
        NodeConfig.ZooKeeper zk = config.coordination().zookeeper();
        return ZooKeeperConfig.of(zk.connect(), config.clusterId(), config.nodeId(), controllerHost, kafkaPort)
                .withTimeouts(Duration.ofMillis(zk.sessionTimeoutMs()), Duration.ofMillis(zk.connectionTimeoutMs()));
    }
}
