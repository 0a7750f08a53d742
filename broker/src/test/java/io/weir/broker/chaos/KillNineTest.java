package io.weir.broker.chaos;

import io.weir.broker.testing.ReadBack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node JVMs, RF=3, min.insync.replicas=2. An idempotent acks=all producer writes
 * continuously while nodes are killed with SIGKILL and restarted; afterwards every
 * acknowledged record is read back exactly once, in order per partition. The number of
 * kills is {@code weir.chaos.kills} (2 in {@code mvn verify}, more with {@code -Pchaos}).
 */
class KillNineTest {
    private static final ChaosTopic TOPIC = new ChaosTopic("chaos", 3);
    private static final Map<String, Object> NODE_CONFIG = Map.of(
            "broker.heartbeat.interval.ms", 200,
            "broker.session.timeout.ms", 3000,
            "replica.lag.time.max.ms", 3000);

    /** Kept after a failure, with every node's log, for the post-mortem. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void everyAcknowledgedRecordSurvivesRepeatedKillDashNine() throws Exception {
        int kills = Integer.getInteger("weir.chaos.kills", 2);
        long seed = Long.getLong("weir.chaos.seed", System.nanoTime());
        System.out.println("KillNineTest seed " + seed + ", kills " + kills);
        Random random = new Random(seed);
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG)) {
            TOPIC.startAndCreate(cluster);
            Map<Integer, List<String>> acked = new HashMap<>();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> TOPIC.write(cluster.bootstrapServers(), stop, acked, failed), "chaos-writer");
            writer.start();
            try {
                for (int k = 0; k < kills; k++) {
                    Thread.sleep(2_000 + random.nextInt(2_000));
                    int victim = 1 + random.nextInt(3);
                    System.out.println("kill -9 node " + victim);
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

    @Test
    void withTwoOfThreeNodesKilledAcksAllFailsAndNothingAcknowledgedIsLost() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG)) {
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
