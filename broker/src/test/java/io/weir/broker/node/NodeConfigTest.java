package io.weir.broker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.broker.admin.StaticBrokerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node files are written by {@link NodeConfig#write} only, so what it writes must load back unchanged. */
class NodeConfigTest {
    @TempDir
    Path dir;

    private NodeConfig threeVoterNode() {
        List<NodeConfig.Voter> voters = List.of(
                new NodeConfig.Voter(1, "127.0.0.1", 19192, 19092),
                new NodeConfig.Voter(2, "127.0.0.1", 19193, 19093),
                new NodeConfig.Voter(3, "127.0.0.1", 19194, 19094));
        return NodeConfig.of(2, "weir-local", dir.resolve("node-2/data").toAbsolutePath(),
                new NodeConfig.Listeners("127.0.0.1:19093", "127.0.0.1:19293"),
                new NodeConfig.Coordination("ratis", voters));
    }

    @Test
    void whatIsWrittenLoadsBackToTheSameValues() throws Exception {
        NodeConfig config = threeVoterNode().with(Map.of(
                "broker.heartbeat.interval.ms", 200,
                "broker.session.timeout.ms", 3000,
                "rack", "rack-a",
                "auto.create.topics.enable", false));
        Path file = dir.resolve("node.yaml");

        config.write(file);

        assertThat(NodeConfig.load(file)).isEqualTo(config);
        assertThat(config.brokerHeartbeatIntervalMs()).isEqualTo(200);
        assertThat(config.rack()).isEqualTo("rack-a");
        assertThat(config.autoCreateTopicsEnable()).isFalse();
    }

    @Test
    void everySettingIsDescribedAsABrokerConfigStaticWhenTheFileChangesIt() {
        NodeConfig config = threeVoterNode().with(Map.of("broker.session.timeout.ms", 6000, "rack", "rack-a"));
        Map<String, StaticBrokerConfig> described = config.brokerConfigs().stream()
                .collect(java.util.stream.Collectors.toMap(StaticBrokerConfig::name, c -> c));
        // Kafka's names for the YAML keys that Kafka spells differently.
        Map<String, String> kafkaNames = Map.of("rack", "broker.rack", "data.dir", "log.dirs",
                "coordination", "coordination.backend");
        for (java.lang.reflect.RecordComponent component : NodeConfig.class.getRecordComponents()) {
            String key = component.getAccessor().getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class).value();
            assertThat(described).as(key).containsKey(kafkaNames.getOrDefault(key, key));
        }
        assertThat(described.get("broker.session.timeout.ms").isStatic()).isTrue();
        assertThat(described.get("broker.session.timeout.ms").defaultValue()).isEqualTo("3000");
        assertThat(described.get("broker.rack").value()).isEqualTo("rack-a");
        assertThat(described.get("num.partitions").isStatic()).isFalse();
        assertThat(described.get("controller.quorum.voters").value())
                .isEqualTo("1@127.0.0.1:19192,2@127.0.0.1:19193,3@127.0.0.1:19194");
        assertThat(described.get("listeners").value()).isEqualTo("PLAINTEXT://127.0.0.1:19093");
        assertThat(described.get("log.retention.ms").value()).isEqualTo("604800000");
        assertThat(described.get("log.retention.ms").isStatic()).isFalse();
        assertThat(described.get("auto.balance.enable").value()).isEqualTo("true");
        assertThat(described.get("auto.balance.enable").isStatic()).isFalse();
    }

    @Test
    void aNodeThatIsNotAVoterNeedsItsOwnQuorumPort() throws Exception {
        NodeConfig voter = threeVoterNode();
        NodeConfig broker = NodeConfig.of(4, "weir-local", dir.resolve("node-4/data").toAbsolutePath(),
                new NodeConfig.Listeners("127.0.0.1:19095", null),
                NodeConfig.Coordination.ratisListener(voter.coordination().voters(), 19195));

        assertThat(voter.coordination().isVoter(2)).isTrue();
        assertThat(broker.coordination().isVoter(4)).isFalse();
        assertThat(NodeConfig.parse(broker.toYaml())).isEqualTo(broker);
        assertThat(broker.toYaml()).contains("quorum.port: 19195");
        assertThatThrownBy(() -> new NodeConfig.Coordination("zookeeper", null,
                new NodeConfig.ZooKeeper("zk:2181"), 19195)).hasMessageContaining("coordination.quorum.port");
    }

    @Test
    void defaultsAndOptionalListenersRoundTrip() throws Exception {
        NodeConfig config = NodeConfig.of(1, "solo", Path.of("weir-data/node-1/data"),
                new NodeConfig.Listeners("127.0.0.1:0", null), new NodeConfig.Coordination("local", null));

        assertThat(NodeConfig.parse(config.toYaml())).isEqualTo(config);
        assertThat(config.listeners().http()).isNull();
        assertThat(config.rack()).isNull();
    }

    @Test
    void theDataDirIsWrittenAsAPathPeopleCanRead() {
        NodeConfig config = threeVoterNode();

        assertThat(config.toYaml()).contains("data.dir: " + config.dataDir());
    }

    @Test
    void settingsAreCheckedAsInALoadedFile() {
        NodeConfig config = threeVoterNode();

        assertThatThrownBy(() -> config.with(Map.of("broker.sesion.timeout.ms", 3000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broker.sesion.timeout.ms");
        assertThatThrownBy(() -> config.with(Map.of("broker.heartbeat.interval.ms", 60_000)))
                .hasMessageContaining("broker.heartbeat.interval.ms");
    }

    @Test
    void theZooKeeperBackendRoundTripsWithKafkasDefaults() throws Exception {
        NodeConfig config = NodeConfig.of(1, "zk", dir.resolve("node-1/data").toAbsolutePath(),
                new NodeConfig.Listeners("127.0.0.1:19092", null),
                NodeConfig.Coordination.zookeeper(new NodeConfig.ZooKeeper("zk1:2181,zk2:2181/weir")));

        assertThat(NodeConfig.parse(config.toYaml())).isEqualTo(config);
        assertThat(config.coordination().zookeeper().sessionTimeoutMs()).isEqualTo(18_000);
        assertThat(config.coordination().zookeeper().connectionTimeoutMs()).isEqualTo(18_000);
        assertThat(config.offsetsTopicReplicationFactor()).isEqualTo((short) 3);
        assertThat(threeVoterNode().offsetsTopicReplicationFactor()).isEqualTo((short) 3);
    }

    @Test
    void badZooKeeperSettingsFailWithTheKeyAtFault() {
        String node = """
                node.id: 1
                data.dir: /tmp/weir
                listeners: {kafka: 127.0.0.1:9092}
                coordination:
                  backend: %s
                %s
                """;
        assertThatThrownBy(() -> NodeConfig.parse(node.formatted("zookeeper", "  zookeeper: {connect: zk1}")))
                .hasMessageContaining("coordination.zookeeper.connect: expected host:port, got 'zk1'");
        assertThatThrownBy(() -> NodeConfig.parse(node.formatted("zookeeper", "")))
                .hasMessageContaining("coordination.zookeeper.connect is required");
        assertThatThrownBy(() -> NodeConfig.parse(node.formatted("zookeeper",
                "  zookeeper: {connect: 'zk1:2181', session.timeout.ms: 0}")))
                .hasMessageContaining("coordination.zookeeper.session.timeout.ms must be positive");
        assertThatThrownBy(() -> NodeConfig.parse(node.formatted("zk", "")))
                .hasMessageContaining("coordination.backend must be ratis, zookeeper or local, not zk");
        assertThatThrownBy(() -> NodeConfig.parse(node.formatted("local", "  zookeeper: {connect: 'zk1:2181'}")))
                .hasMessageContaining("coordination.zookeeper is only for the zookeeper backend");
        assertThatThrownBy(() -> NodeConfig.parse(node.formatted("zookeeper",
                "  zookeeper: {connect: 'zk1:2181', mirror: 'zk2:2181'}")))
                .hasMessageContaining("coordination.zookeeper.mirror is only for the ratis backend");
        assertThatThrownBy(() -> NodeConfig.parse(node.formatted("ratis",
                "  voters: [{id: 1, host: h, quorum.port: 1, kafka.port: 2}]\n  zookeeper: {mirror: 'zk2:21x1'}")))
                .hasMessageContaining("coordination.zookeeper.mirror: port '21x1' of 'zk2:21x1' is not a number");
        assertThatThrownBy(() -> NodeConfig.parse(node.formatted("ratis",
                "  voters: [{id: 1, host: h, quorum.port: 1, kafka.port: 2}]\n  zookeeper: {connect: 'zk2:2181'}")))
                .hasMessageContaining("on ratis only coordination.zookeeper.mirror may be set");
    }

    @Test
    void aRatisNodeMayMirrorToZooKeeper() throws Exception {
        NodeConfig config = NodeConfig.parse("""
                node.id: 1
                data.dir: /tmp/weir
                listeners: {kafka: 127.0.0.1:9092}
                coordination:
                  backend: ratis
                  voters: [{id: 1, host: 127.0.0.1, quorum.port: 9192, kafka.port: 9092}]
                  zookeeper: {mirror: 'zk1:2181/kafka'}
                """);
        assertThat(config.coordination().zookeeper().mirror()).isEqualTo("zk1:2181/kafka");
        assertThat(config.coordination().zookeeper().connect()).isNull();
    }
}
