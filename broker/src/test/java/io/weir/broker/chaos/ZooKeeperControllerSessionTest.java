package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.chaos.ProcessCluster.Backend;
import io.weir.zk.ZooKeeperMetadataLog;
import io.weir.broker.testing.RawKafkaClient;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.weir.broker.testing.KeptLogs;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.AfterEach;

/**
 * ZooKeeper only, three node JVMs on a real ZooKeeper server: what happens to the active
 * controller's ZooKeeper session, seen from the cluster.
 *
 * One cluster, two phases (one test, to start the JVMs once):
 *
 * <ul>
 *   <li>The server expires the active controller's session (as after a network partition): a
 *   controller is elected at a higher epoch, every topic committed before is still there on
 *   every node, and the new controller commits.</li>
 *   <li>The active controller's JVM is frozen (SIGSTOP) past its session timeout, a new one is
 *   elected, and a CreateTopics waits in the frozen node's socket: when it thaws it still
 *   believes it leads for a moment, yet no batch of its old epoch is committed after the new
 *   epoch's first one (the committed log's epochs never go down), and every node ends with the
 *   same topics.</li>
 * </ul>
 */
class ZooKeeperControllerSessionTest {
    private static final Map<String, Object> NODE_CONFIG = Map.of(
            "broker.heartbeat.interval.ms", 200,
            "broker.session.timeout.ms", 3000,
            "replica.lag.time.max.ms", 3000);
    private static final ChaosTopic TOPIC = new ChaosTopic("zk-session", 3);

    /** Deleted pass or fail; every node's log is kept in target/test-logs (KeptLogs). */
    @TempDir
    Path dir;

    @AfterEach
    void keepLogs(TestInfo test) {
        KeptLogs.copy(dir, test);
    }

    @Test
    void anExpiredOrFrozenControllerIsReplacedAndNeverCommitsAfterItsSuccessor() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG, Backend.ZOOKEEPER);
             ZooKeeperMetadataLog zk = new ZooKeeperMetadataLog(clusterPath(cluster))) {
            TOPIC.startAndCreate(cluster);
            List<String> before = List.of("before-0", "before-1", "before-2");
            try (Admin admin = ChaosTopic.admin(cluster.bootstrapServers())) {
                createAll(admin, before);
            }
            cluster.activeController(Duration.ofSeconds(60));
            long epoch = zk.controllerEpoch();
            long session = zk.controllerSession();
            assertThat(session).isNotZero();

            cluster.zooKeeper().expireSession(session);

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> zk.controllerEpoch() > epoch && zk.controllerSession() != 0
                            && zk.controllerSession() != session);
            cluster.activeController(Duration.ofSeconds(60));
            try (Admin admin = ChaosTopic.admin(cluster.bootstrapServers())) {
                createAll(admin, List.of("after"));
            }
            // Each node replays the commit on its own, a moment after the controller answered.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                for (int id = 1; id <= 3; id++) {
                    assertThat(topicsSeenBy(cluster, id)).as("node %d", id)
                            .contains(TOPIC.name, "before-0", "before-1", "before-2", "after");
                }
            });
            assertEpochsNeverGoDown(zk);

            aFrozenControllerDeposedWhileAsleepCannotCommitWhenItWakes(cluster, zk);
        }
    }

    private void aFrozenControllerDeposedWhileAsleepCannotCommitWhenItWakes(ProcessCluster cluster,
                                                                           ZooKeeperMetadataLog zk) throws Exception {
        int old = cluster.activeController(Duration.ofSeconds(60));
        long oldEpoch = zk.controllerEpoch();
        // Knows the old node as the controller, and talks to it only.
        try (Admin toOld = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + cluster.kafkaPort(old),
                AdminClientConfig.METADATA_MAX_AGE_CONFIG, 600_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000))) {
            assertThat(toOld.describeCluster().controller().get(15, TimeUnit.SECONDS).id()).isEqualTo(old);

            cluster.freeze(old);
            CreateTopicsResult zombie;
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> zk.controllerEpoch() > oldEpoch && zk.controllerSession() != 0);
                zombie = toOld.createTopics(List.of(new NewTopic("from-the-frozen-one", 1, (short) 1)));
                Thread.sleep(500); // the request sits in the frozen node's socket
            } finally {
                cluster.thaw(old);
            }
            try {
                zombie.all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // Refused by the deposed controller, or retried by the client: either is fine.
                System.out.println("CreateTopics sent to the deposed controller: " + e.getCause());
            }
        }
        System.out.println("node " + old + " after thawing: " + cluster.logLines(old, "stops being the active controller"));
        assertEpochsNeverGoDown(zk);

        // The cluster goes on, and every node, the thawed one included, has the same topics.
        cluster.activeController(Duration.ofSeconds(60));
        try (Admin admin = ChaosTopic.admin(cluster.bootstrapServers())) {
            createAll(admin, List.of("after-thaw"));
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            Set<String> first = topicsSeenBy(cluster, 1);
            assertThat(first).contains(TOPIC.name, "after-thaw");
            for (int id = 2; id <= 3; id++) {
                assertThat(topicsSeenBy(cluster, id)).as("node %d", id).isEqualTo(first);
            }
        });
    }

    /** Offsets in order, the epochs of the committed batches: a deposed controller's batch would lower it. */
    private static void assertEpochsNeverGoDown(ZooKeeperMetadataLog zk) throws Exception {
        List<Long> epochs = new ArrayList<>(zk.epochsByOffset().values());
        assertThat(epochs).isNotEmpty().isSorted();
    }

    private static String clusterPath(ProcessCluster cluster) {
        return cluster.zooKeeper().connectString() + "/chaos";
    }

    private static void createAll(Admin admin, List<String> names) {
        for (String name : names) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                try {
                    admin.createTopics(List.of(new NewTopic(name, 1, (short) 3))).all().get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) throw e;
                }
                return true;
            });
        }
    }

    /** The topics node {@code id} itself serves metadata for (its own replayed image), asked on one connection. */
    private static Set<String> topicsSeenBy(ProcessCluster cluster, int id) throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(new InetSocketAddress("127.0.0.1", cluster.kafkaPort(id)))) {
            MetadataResponse response = (MetadataResponse) client.roundTrip(ApiKeys.METADATA, (short) 12, 1,
                    new MetadataRequestData().setTopics(null).setAllowAutoTopicCreation(false));
            Set<String> names = new TreeSet<>();
            response.data().topics().forEach(t -> names.add(t.name()));
            return names;
        }
    }
}
