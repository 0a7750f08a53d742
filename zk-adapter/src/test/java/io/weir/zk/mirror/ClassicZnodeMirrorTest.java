package io.weir.zk.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.controller.acl.AclBinding;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.AccessControlEntryRecord;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.FenceBrokerRecord;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.record.RemoveAccessControlEntryRecord;
import io.weir.controller.record.RemoveTopicRecord;
import io.weir.controller.record.TopicRecord;
import io.weir.zk.EmbeddedZooKeeper;
import io.weir.zk.ZooKeeperConnect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mirror mode against a real ZooKeeper server, read back with a plain Curator client and parsed
 * as JSON, the way a tool reading Kafka's znodes would: brokers, topics with their assignment and
 * topic id, partition states, the controller; a leader change and a deleted topic show up; with
 * ZooKeeper stopped the mirror only falls behind, and catches up once it is back.
 */
class ClassicZnodeMirrorTest {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID ORDERS = new UUID(7, 11);
    private static final UUID EVENTS = new UUID(8, 12);

    @TempDir
    Path dir;
    private EmbeddedZooKeeper zk;
    private ClassicZnodeMirror mirror;
    private CuratorFramework reader;
    private final AtomicReference<Optional<ClassicZnodeMirror.State>> state =
        new AtomicReference<>(Optional.empty());
    private final List<MetadataRecord> log = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        zk = EmbeddedZooKeeper.start(dir.resolve("zk"));
        String connect = zk.connectString() + "/kafka";
        mirror = new ClassicZnodeMirror(ZooKeeperConnect.parse(connect), state::get, Duration.ofMillis(200),
            Duration.ofSeconds(1), Clock.systemUTC());
        mirror.start();
        reader = CuratorFrameworkFactory.newClient(connect, 3_000, 3_000, new RetryNTimes(20, 200));
        reader.start();
    }

    @AfterEach
    void stop() {
        if (mirror != null) mirror.close();
        if (reader != null) reader.close();
        if (zk != null) zk.close();
    }

    private void commit(long epoch, MetadataRecord... records) {
        log.addAll(List.of(records));
        state.set(Optional.of(new ClassicZnodeMirror.State(MetadataImage.fromRecords(log.size(), log), epoch, 1)));
        mirror.nudge();
    }

    private JsonNode json(String path) throws Exception {
        return JSON.readTree(new String(reader.getData().forPath(path), StandardCharsets.UTF_8));
    }

    private boolean exists(String path) throws Exception {
        return reader.checkExists().forPath(path) != null;
    }

    private static RegisterBrokerRecord broker(int id) {
        return new RegisterBrokerRecord(id, 10 + id, new UUID(id, id),
            List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9091 + id, "PLAINTEXT")), id == 1 ? "r1" : null, false);
    }

    @Test
    void toolsReadingZooKeeperSeeTheClusterInKafkasJsonShapes() throws Exception {
        commit(3, broker(1), broker(2), broker(3),
            new TopicRecord("orders", ORDERS),
            new PartitionRecord(ORDERS, 0, List.of(1, 2, 3), List.of(1, 2, 3), 1, 0, 0),
            new PartitionRecord(ORDERS, 1, List.of(2, 3, 1), List.of(2, 3, 1), 2, 0, 0),
            new TopicRecord("events", EVENTS),
            new PartitionRecord(EVENTS, 0, List.of(3, 1), List.of(3, 1), 3, 0, 0));

        await().atMost(AWAIT).ignoreExceptions().until(() -> exists("/brokers/topics/events/partitions/0/state"));
        JsonNode b1 = json("/brokers/ids/1");
        assertThat(b1.get("version").asInt()).isEqualTo(5);
        assertThat(b1.get("host").asText()).isEqualTo("127.0.0.1");
        assertThat(b1.get("port").asInt()).isEqualTo(9092);
        assertThat(b1.get("endpoints").get(0).asText()).isEqualTo("PLAINTEXT://127.0.0.1:9092");
        assertThat(b1.get("listener_security_protocol_map").get("PLAINTEXT").asText()).isEqualTo("PLAINTEXT");
        assertThat(b1.get("rack").asText()).isEqualTo("r1");
        assertThat(b1.get("jmx_port").asInt()).isEqualTo(-1);
        assertThat(Long.parseLong(b1.get("timestamp").asText())).isPositive();
        assertThat(reader.getChildren().forPath("/brokers/ids")).containsExactlyInAnyOrder("1", "2", "3");

        JsonNode orders = json("/brokers/topics/orders");
        assertThat(orders.get("version").asInt()).isEqualTo(3);
        assertThat(orders.get("topic_id").asText())
            .isEqualTo(new org.apache.kafka.common.Uuid(7, 11).toString());
        assertThat(orders.get("partitions").get("0").toString()).isEqualTo("[1,2,3]");
        assertThat(orders.get("partitions").get("1").toString()).isEqualTo("[2,3,1]");
        assertThat(orders.get("adding_replicas").size()).isZero();
        assertThat(orders.get("removing_replicas").size()).isZero();

        JsonNode state = json("/brokers/topics/orders/partitions/1/state");
        assertThat(state.get("version").asInt()).isEqualTo(1);
        assertThat(state.get("leader").asInt()).isEqualTo(2);
        assertThat(state.get("leader_epoch").asInt()).isZero();
        assertThat(state.get("isr").toString()).isEqualTo("[2,3,1]");
        assertThat(state.get("controller_epoch").asInt()).isEqualTo(3);

        assertThat(json("/controller").get("brokerid").asInt()).isEqualTo(1);
        assertThat(json("/controller").get("version").asInt()).isEqualTo(1);
        assertThat(new String(reader.getData().forPath("/controller_epoch"), StandardCharsets.UTF_8)).isEqualTo("3");

        // A leader change (broker 2 fenced: out of /brokers/ids, leadership and ISR move) and a deleted topic.
        commit(4, new FenceBrokerRecord(2, 12),
            new PartitionChangeRecord(ORDERS, 1, 3, List.of(3, 1), 1, 1),
            new RemoveTopicRecord(EVENTS));
        await().atMost(AWAIT).ignoreExceptions().untilAsserted(() -> {
            JsonNode moved = json("/brokers/topics/orders/partitions/1/state");
            assertThat(moved.get("leader").asInt()).isEqualTo(3);
            assertThat(moved.get("leader_epoch").asInt()).isEqualTo(1);
            assertThat(moved.get("isr").toString()).isEqualTo("[3,1]");
            assertThat(moved.get("controller_epoch").asInt()).isEqualTo(4);
            assertThat(exists("/brokers/topics/events")).isFalse();
            assertThat(reader.getChildren().forPath("/brokers/ids")).containsExactlyInAnyOrder("1", "3");
        });
    }

    @Test
    void aclsAreInKafkasAclAuthorizerLayoutAndRemovedOnesGo() throws Exception {
        UUID read = new UUID(1, 1);
        UUID deny = new UUID(1, 2);
        UUID prefixed = new UUID(1, 3);
        UUID cluster = new UUID(1, 4);
        commit(1, broker(1),
            new AccessControlEntryRecord(read, new AclBinding(AclBinding.ResourceType.TOPIC, "orders",
                AclBinding.PatternType.LITERAL, "User:alice", "*", AclBinding.Operation.READ, AclBinding.Permission.ALLOW)),
            new AccessControlEntryRecord(deny, new AclBinding(AclBinding.ResourceType.TOPIC, "orders",
                AclBinding.PatternType.LITERAL, "User:bob", "10.0.0.1", AclBinding.Operation.DESCRIBE_CONFIGS,
                AclBinding.Permission.DENY)),
            new AccessControlEntryRecord(prefixed, new AclBinding(AclBinding.ResourceType.TRANSACTIONAL_ID, "app-",
                AclBinding.PatternType.PREFIXED, "User:alice", "*", AclBinding.Operation.WRITE, AclBinding.Permission.ALLOW)),
            new AccessControlEntryRecord(cluster, new AclBinding(AclBinding.ResourceType.CLUSTER, AclBinding.CLUSTER_NAME,
                AclBinding.PatternType.LITERAL, "User:ops", "*", AclBinding.Operation.ALTER, AclBinding.Permission.ALLOW)));

        await().atMost(AWAIT).ignoreExceptions().until(() -> exists("/kafka-acl/Cluster/kafka-cluster"));
        JsonNode orders = json("/kafka-acl/Topic/orders");
        assertThat(orders.get("version").asInt()).isEqualTo(1);
        assertThat(orders.get("acls").toString()).isEqualTo("[{\"principal\":\"User:alice\",\"permissionType\":\"Allow\","
            + "\"operation\":\"Read\",\"host\":\"*\"},{\"principal\":\"User:bob\",\"permissionType\":\"Deny\","
            + "\"operation\":\"DescribeConfigs\",\"host\":\"10.0.0.1\"}]");
        JsonNode app = json("/kafka-acl-extended/prefixed/TransactionalId/app-");
        assertThat(app.get("acls").get(0).get("operation").asText()).isEqualTo("Write");
        assertThat(json("/kafka-acl/Cluster/kafka-cluster").get("acls").get(0).get("principal").asText()).isEqualTo("User:ops");
        assertThat(reader.getChildren().forPath("/kafka-acl")).containsExactlyInAnyOrder("Topic", "Group", "Cluster",
            "TransactionalId");
        assertThat(reader.getChildren().forPath("/kafka-acl/Group")).isEmpty();

        commit(1, new RemoveAccessControlEntryRecord(deny), new RemoveAccessControlEntryRecord(prefixed));
        await().atMost(AWAIT).ignoreExceptions().untilAsserted(() -> {
            assertThat(json("/kafka-acl/Topic/orders").get("acls").size()).isEqualTo(1);
            assertThat(exists("/kafka-acl-extended/prefixed/TransactionalId/app-")).isFalse();
        });
    }

    @Test
    void aStoppedZooKeeperOnlyDelaysTheMirrorWhichCatchesUpWhenItReturns() throws Exception {
        commit(1, broker(1), new TopicRecord("orders", ORDERS),
            new PartitionRecord(ORDERS, 0, List.of(1), List.of(1), 1, 0, 0));
        await().atMost(AWAIT).ignoreExceptions().until(() -> exists("/brokers/topics/orders/partitions/0/state"));

        long failedBefore = mirror.failedSyncs();
        zk.stop();
        // The cluster goes on: new topics and a leader epoch bump while ZooKeeper is away.
        commit(1, new TopicRecord("during", EVENTS),
            new PartitionRecord(EVENTS, 0, List.of(1), List.of(1), 1, 0, 0),
            new PartitionChangeRecord(ORDERS, 0, 1, List.of(1), 5, 1));
        await().atMost(AWAIT).until(() -> mirror.failedSyncs() > failedBefore);
        zk.restart();

        await().atMost(AWAIT).ignoreExceptions().untilAsserted(() -> {
            assertThat(exists("/brokers/topics/during/partitions/0/state")).isTrue();
            assertThat(json("/brokers/topics/orders/partitions/0/state").get("leader_epoch").asInt()).isEqualTo(5);
        });
        // Not the controller any more: the mirror leaves ZooKeeper as it was.
        state.set(Optional.empty());
        mirror.nudge();
        Thread.sleep(500);
        assertThat(exists("/brokers/topics/during")).isTrue();
    }
}
