package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.chaos.ProcessCluster.Backend;
import io.weir.zk.EmbeddedZooKeeper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.weir.broker.testing.KeptLogs;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.AfterEach;

/**
 * ZooKeeper only: three node JVMs on a real ZooKeeper server, RF=3, min.insync.replicas=2. An
 * idempotent acks=all producer writes while the server is stopped and started again twice:
 * once for less than the nodes' session timeout (the sessions survive; the controller resigns
 * on the suspended connection and is elected again), once for longer (the nodes' clients give
 * their sessions up and come back with new ones). Afterwards every acknowledged record is read
 * back exactly once, in order per partition, and the controller commits metadata again.
 */
class ZooKeeperServerRestartTest {
    private static final ChaosTopic TOPIC = new ChaosTopic("zk-restart", 3);
    private static final Map<String, Object> NODE_CONFIG = Map.of(
            "broker.heartbeat.interval.ms", 200,
            "broker.session.timeout.ms", 3000,
            "replica.lag.time.max.ms", 3000);

    /** Deleted pass or fail; every node's log is kept in target/test-logs (KeptLogs) for the post-mortem. */
    @TempDir
    Path dir;

    @AfterEach
    void keepLogs(TestInfo test) {
        KeptLogs.copy(dir, test);
    }

    @Test
    void restartingTheZooKeeperServerWhileAnAcksAllProducerWritesLosesNothingAcknowledged() throws Exception {
        long[] downMillis = {ProcessCluster.ZOOKEEPER_SESSION_MS / 2, ProcessCluster.ZOOKEEPER_SESSION_MS * 2};
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG, Backend.ZOOKEEPER)) {
            TOPIC.startAndCreate(cluster);
            EmbeddedZooKeeper zk = cluster.zooKeeper();
            Map<Integer, List<String>> acked = new HashMap<>();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> TOPIC.write(cluster.bootstrapServers(), stop, acked, failed),
                    "zk-restart-writer");
            writer.start();
            try {
                for (long down : downMillis) {
                    Thread.sleep(2_000);
                    int before = ackedCount(acked);
                    long epochBefore = controllerEpoch(zk);
                    System.out.println("stopping ZooKeeper for " + down + " ms, " + before + " acknowledged so far");
                    zk.stop();
                    Thread.sleep(down);
                    zk.restart();
                    // The controller resigned when its connection went; a controller is elected
                    // again, at a new epoch, once the nodes reconnect. Partition leaders keep
                    // serving meanwhile; afterwards the ISRs are full again.
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                            .until(() -> controllerEpoch(zk) > epochBefore);
                    cluster.activeController(Duration.ofSeconds(60));
                    TOPIC.awaitFullIsr(cluster.bootstrapServers());
                    await().atMost(Duration.ofSeconds(60)).until(() -> ackedCount(acked) > before + 100);
                }
            } finally {
                stop.set(true);
                writer.join(120_000);
            }
            System.out.println("acknowledged " + ackedCount(acked) + ", failed sends " + failed.get());
            assertThat(ackedCount(acked)).as("the writer made progress through the restarts").isGreaterThan(300);
            TOPIC.assertReadBackExactlyOnceInOrder(cluster.bootstrapServers(), acked);

            // The metadata log in ZooKeeper still takes commits, and kept the topic.
            try (Admin admin = ChaosTopic.admin(cluster.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic("after-restarts", 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
                assertThat(admin.listTopics().names().get(15, TimeUnit.SECONDS)).contains(TOPIC.name, "after-restarts");
            }
        }
    }

    /** The controller epoch in ZooKeeper ({@code /weir/controller_epoch} under the cluster's chroot). */
    private static long controllerEpoch(EmbeddedZooKeeper zk) throws Exception {
        try (CuratorFramework client = CuratorFrameworkFactory.newClient(zk.connectString() + "/chaos",
                new RetryNTimes(50, 200))) {
            client.start();
            return Long.parseLong(new String(client.getData().forPath("/weir/controller_epoch"),
                    StandardCharsets.UTF_8).trim());
        }
    }

    private static int ackedCount(Map<Integer, List<String>> acked) {
        synchronized (acked) {
            return acked.values().stream().mapToInt(List::size).sum();
        }
    }
}
