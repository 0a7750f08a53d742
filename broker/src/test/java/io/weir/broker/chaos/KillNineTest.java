package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.broker.chaos.ProcessCluster.Backend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.io.TempDir;
import io.weir.broker.testing.KeptLogs;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Three node JVMs, RF=3, min.insync.replicas=2, on each coordination backend (a Ratis quorum
 * of the nodes, or a real ZooKeeper server in the test's JVM). An idempotent acks=all
 * producer writes continuously while nodes are killed with SIGKILL and restarted; afterwards
 * every acknowledged record is read back exactly once, in order per partition. The first
 * victim is the active controller's node, so every run covers a controller failover; later
 * victims are random. The number of kills is {@code weir.chaos.kills} on Ratis (2 in
 * {@code mvn verify}) and {@code weir.chaos.kills.zookeeper} on ZooKeeper (1), both 25 with
 * {@code -Pchaos}.
 */
class KillNineTest {
    private static final ChaosTopic TOPIC = new ChaosTopic("chaos", 3);
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

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Backend.class)
    void everyAcknowledgedRecordSurvivesRepeatedKillDashNine(Backend backend) throws Exception {
        int kills = backend == Backend.RATIS ? Integer.getInteger("weir.chaos.kills", 2)
                : Integer.getInteger("weir.chaos.kills.zookeeper", 1);
        long seed = Long.getLong("weir.chaos.seed", System.nanoTime());
        System.out.println("KillNineTest on " + backend + ": seed " + seed + ", kills " + kills);
        Random random = new Random(seed);
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG, backend)) {
            TOPIC.startAndCreate(cluster);
            Map<Integer, List<String>> acked = new HashMap<>();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> TOPIC.write(cluster.bootstrapServers(), stop, acked, failed), "chaos-writer");
            writer.start();
            try {
                for (int k = 0; k < kills; k++) {
                    Thread.sleep(2_000 + random.nextInt(2_000));
                    int victim = k == 0 ? cluster.activeController(Duration.ofSeconds(60)) : 1 + random.nextInt(3);
                    System.out.println("kill -9 node " + victim + (k == 0 ? " (the active controller)" : ""));
                    cluster.killDashNine(victim);
                    Thread.sleep(1_000 + random.nextInt(3_000));
                    cluster.start(victim);
                    cluster.awaitListening(victim, 60_000);
                    TOPIC.awaitFullIsr(cluster.bootstrapServers());
                }
                Thread.sleep(2_000);
            } finally {
                stop.set(true);
                writer.join(120_000);
            }
            int ackedCount;
            synchronized (acked) {
                ackedCount = acked.values().stream().mapToInt(List::size).sum();
            }
            System.out.println("acknowledged " + ackedCount + ", failed sends " + failed.get());
            assertThat(ackedCount).as("the writer made progress through the kills").isGreaterThan(100);
            TOPIC.assertReadBackExactlyOnceInOrder(cluster.bootstrapServers(), acked);
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Backend.class)
    void withTwoOfThreeNodesKilledAcksAllFailsAndNothingAcknowledgedIsLost(Backend backend) throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG, backend)) {
            TOPIC.startAndCreate(cluster);
            Map<Integer, List<String>> acked = new HashMap<>();
            try (KafkaProducer<String, String> producer = ChaosTopic.producer(cluster.bootstrapServers(), 10_000)) {
                for (int i = 0; i < 90; i++) {
                    var md = producer.send(new ProducerRecord<>(TOPIC.name, i % TOPIC.partitions, null, "before-" + i))
                            .get(30, TimeUnit.SECONDS);
                    acked.computeIfAbsent(md.partition(), p -> new ArrayList<>()).add("before-" + i);
                }
                cluster.killDashNine(2);
                cluster.killDashNine(3);
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(TOPIC.name, 0, null, "while-down"))
                        .get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            }
            cluster.start(2);
            cluster.start(3);
            cluster.awaitListening(2, 60_000);
            cluster.awaitListening(3, 60_000);
            TOPIC.awaitFullIsr(cluster.bootstrapServers());
            TOPIC.assertReadBackExactlyOnceInOrder(cluster.bootstrapServers(), acked);
        }
    }
}
