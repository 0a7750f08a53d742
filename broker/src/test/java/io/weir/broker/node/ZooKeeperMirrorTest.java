package io.weir.broker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.broker.testing.FreePorts;
import io.weir.zk.EmbeddedZooKeeper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mirror mode on a real three-node Ratis cluster: with {@code coordination.zookeeper.mirror} the
 * active controller keeps Kafka's znodes in a real ZooKeeper server, read back here with a plain
 * Curator client as a ZooKeeper-reading tool would: the brokers, a topic's assignment and id, each
 * partition's leader and ISR, the controller; after the controller's node stops, the new
 * controller's mirror shows the moved leaderships and itself as the controller.
 */
class ZooKeeperMirrorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private final List<WeirNode> nodes = new ArrayList<>();
    private EmbeddedZooKeeper zk;
    private CuratorFramework reader;

    @AfterEach
    void stop() {
        nodes.forEach(WeirNode::close);
        if (reader != null) reader.close();
        if (zk != null) zk.close();
    }

    @Test
    void theActiveControllerMirrorsKafkasZnodesAndItsSuccessorTakesOver() throws Exception {
        zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"));
        String mirror = zk.connectString() + "/kafka";
        int[] kafka = FreePorts.take(3);
        int[] quorum = FreePorts.take(3);
        List<NodeConfig.Voter> voters = new ArrayList<>();
        for (int i = 0; i < 3; i++) voters.add(new NodeConfig.Voter(i + 1, "127.0.0.1", quorum[i], kafka[i]));
        for (int i = 1; i <= 3; i++) {
            nodes.add(WeirNode.start(NodeConfig.of(i, "mirrored", dir.resolve("node-" + i),
                    new NodeConfig.Listeners("127.0.0.1:" + kafka[i - 1], null),
                    new NodeConfig.Coordination("ratis", voters, NodeConfig.ZooKeeper.mirrorOnly(mirror)))
                    .with(Map.of("broker.heartbeat.interval.ms", 200, "broker.session.timeout.ms", 3000))));
        }
        for (WeirNode node : nodes) node.awaitReady(Duration.ofSeconds(60));
        reader = CuratorFrameworkFactory.newClient(mirror, new RetryNTimes(20, 200));
        reader.start();

        TopicDescription described;
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("mirrored", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
            described = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> admin
                    .describeTopics(List.of("mirrored")).allTopicNames().get(10, TimeUnit.SECONDS).get("mirrored"),
                    d -> d != null);
        }
        TopicDescription topic = described;
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            assertThat(reader.getChildren().forPath("/brokers/ids")).containsExactlyInAnyOrder("1", "2", "3");
            JsonNode t = json("/brokers/topics/mirrored");
            assertThat(t.get("topic_id").asText()).isEqualTo(topic.topicId().toString());
            for (TopicPartitionInfo p : topic.partitions()) {
                assertThat(t.get("partitions").get(Integer.toString(p.partition())).size()).isEqualTo(3);
                JsonNode state = json("/brokers/topics/mirrored/partitions/" + p.partition() + "/state");
                assertThat(state.get("leader").asInt()).isEqualTo(p.leader().id());
                assertThat(state.get("isr").size()).isEqualTo(3);
            }
            assertThat(json("/controller").get("brokerid").asInt()).isEqualTo(activeController());
        });
        assertThat(json("/brokers/ids/1").get("port").asInt()).isEqualTo(kafka[0]);

        // The controller's node stops: a new controller, and the partitions it led get new leaders.
        int old = activeController();
        WeirNode oldNode = nodes.remove(old - 1);
        Set<Integer> ledByOld = topic.partitions().stream().filter(p -> p.leader().id() == old)
                .map(TopicPartitionInfo::partition).collect(Collectors.toCollection(HashSet::new));
        oldNode.close();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            int now = activeController();
            assertThat(now).isNotEqualTo(old);
            assertThat(json("/controller").get("brokerid").asInt()).isEqualTo(now);
            assertThat(reader.getChildren().forPath("/brokers/ids")).doesNotContain(Integer.toString(old));
            for (int p = 0; p < 3; p++) {
                JsonNode state = json("/brokers/topics/mirrored/partitions/" + p + "/state");
                assertThat(state.get("leader").asInt()).isNotEqualTo(old);
                if (ledByOld.contains(p)) assertThat(state.get("leader_epoch").asInt()).isPositive();
            }
        });
    }

    private int activeController() {
        return nodes.stream().filter(n -> n.controller().isActive()).findFirst().orElseThrow()
                .controller().activeController().orElseThrow().nodeId();
    }

    private JsonNode json(String path) throws Exception {
        return JSON.readTree(new String(reader.getData().forPath(path), StandardCharsets.UTF_8));
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                nodes.stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(",")),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }
}
