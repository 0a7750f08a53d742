package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import io.weir.broker.testing.KeptLogs;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kill -9 in the middle of a reassignment. Four node JVMs on Ratis; a topic of three partitions
 * on nodes 1-3 (RF=3, {@code min.insync.replicas=2}) holding about 6 MiB; every partition is moved
 * off node 1 onto node 4, throttled on both sides (256 KiB/s) so the copy lasts; an idempotent
 * acks=all producer writes throughout. Once node 4 holds part of the data, the destination (node 4)
 * or the source (node 1, the leader of partition 0) is killed with SIGKILL and restarted. The move
 * must still finish (the target replicas, no reassignment left), and every acknowledged record,
 * those written before the move included, must be read back exactly once, in order per partition.
 * Slow (one to two minutes a case): runs with {@code -Pchaos}.
 */
@EnabledIfSystemProperty(named = "weir.chaos.long", matches = "true")
class MoveKillNineTest {
    private static final ChaosTopic TOPIC = new ChaosTopic("moving", 3);
    private static final int THROTTLE = 256 * 1024;
    private static final Map<String, Object> NODE_CONFIG = Map.of(
            "broker.heartbeat.interval.ms", 200,
            "broker.session.timeout.ms", 3000,
            "replica.lag.time.max.ms", 3000,
            "auto.balance.enable", false, // only the test's reassignment moves anything
            "follower.replication.throttled.rate", THROTTLE,
            "leader.replication.throttled.rate", THROTTLE);
    private static final Map<Integer, List<Integer>> BEFORE = Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1),
            2, List.of(3, 1, 2));
    private static final Map<Integer, List<Integer>> AFTER = Map.of(0, List.of(4, 2, 3), 1, List.of(2, 3, 4),
            2, List.of(3, 4, 2));

    /** Which end of the move dies. */
    enum Victim {
        DESTINATION(4), SOURCE(1);

        final int node;

        Victim(int node) {
            this.node = node;
        }
    }

    /** Deleted pass or fail; every node's log is kept in target/test-logs (KeptLogs) for the post-mortem. */
    @TempDir
    Path dir;

    @AfterEach
    void keepLogs(TestInfo test) {
        KeptLogs.copy(dir, test);
    }

    @ParameterizedTest(name = "kill -9 the {0}")
    @EnumSource(Victim.class)
    void aMoveSurvivesKillDashNineOfEitherEndAndLosesNoAcknowledgedRecord(Victim victim) throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 4, NODE_CONFIG)) {
            cluster.startAll();
            for (int id = 1; id <= 4; id++) cluster.awaitListening(id, 90_000);
            String bootstrap = cluster.bootstrapServers();
            Map<Integer, List<String>> acked = new HashMap<>();
            try (Admin admin = ChaosTopic.admin(bootstrap)) {
                await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                        .until(() -> admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == 4);
                await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> {
                    try {
                        admin.createTopics(List.of(new NewTopic(TOPIC.name, BEFORE)
                                .configs(Map.of("min.insync.replicas", "2")))).all().get(10, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        // An earlier attempt timed out on the client but was committed.
                        if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) throw e;
                    }
                    return true;
                });
                TOPIC.awaitFullIsr(bootstrap);
                preload(bootstrap, acked);

                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger failed = new AtomicInteger();
                Thread writer = new Thread(() -> TOPIC.write(bootstrap, stop, acked, failed), "move-writer");
                writer.start();
                try {
                    Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new HashMap<>();
                    AFTER.forEach((p, replicas) -> moves.put(new TopicPartition(TOPIC.name, p),
                            Optional.of(new NewPartitionReassignment(replicas))));
                    // Retried like the create: the same reassignment again is harmless.
                    await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> {
                        admin.alterPartitionReassignments(moves).all().get(10, TimeUnit.SECONDS);
                        return true;
                    });
                    awaitPartlyCopied(admin);
                    assertThat(admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS))
                            .as("the move is under way when the node dies").isNotEmpty();
                    System.out.println("kill -9 node " + victim.node + " (the " + victim + ") mid-move");
                    cluster.killDashNine(victim.node);
                    Thread.sleep(2_000);
                    cluster.start(victim.node);
                    cluster.awaitListening(victim.node, 90_000);
                    awaitMoved(admin);
                    Thread.sleep(1_000);
                } finally {
                    stop.set(true);
                    writer.join(120_000);
                }
                int count;
                synchronized (acked) {
                    count = acked.values().stream().mapToInt(List::size).sum();
                }
                System.out.println("acknowledged " + count + ", failed sends " + failed.get());
                TOPIC.assertReadBackExactlyOnceInOrder(bootstrap, acked);
            }
        }
    }

    /** About 6 MiB over the three partitions, acks=all, recorded as acknowledged like the writer's. */
    private static void preload(String bootstrap, Map<Integer, List<String>> acked) throws Exception {
        String pad = "x".repeat(1000);
        try (KafkaProducer<String, String> producer = ChaosTopic.producer(bootstrap, 60_000)) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 6_000; i++) {
                String value = "pre" + i + pad;
                values.add(value);
                sent.add(producer.send(new ProducerRecord<>(TOPIC.name, i % TOPIC.partitions, null, value)));
            }
            for (int i = 0; i < sent.size(); i++) {
                int partition = sent.get(i).get(60, TimeUnit.SECONDS).partition();
                synchronized (acked) {
                    acked.computeIfAbsent(partition, p -> new ArrayList<>()).add(values.get(i));
                }
            }
        }
    }

    /** Until node 4 holds some of the data: the copy has started and is not done. */
    private static void awaitPartlyCopied(Admin admin) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() ->
                admin.describeLogDirs(List.of(4)).allDescriptions().get(5, TimeUnit.SECONDS).get(4).values().stream()
                        .flatMap(d -> d.replicaInfos().entrySet().stream())
                        .filter(e -> e.getKey().topic().equals(TOPIC.name))
                        .anyMatch(e -> e.getValue().size() > 0));
    }

    /** Until no reassignment is left and every partition has its target replicas, all in sync. */
    private static void awaitMoved(Admin admin) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            if (!admin.listPartitionReassignments().reassignments().get(5, TimeUnit.SECONDS).isEmpty()) return false;
            TopicDescription d = admin.describeTopics(List.of(TOPIC.name)).allTopicNames().get(5, TimeUnit.SECONDS)
                    .get(TOPIC.name);
            return d.partitions().stream().allMatch(p -> p.replicas().stream().map(Node::id).toList()
                    .equals(AFTER.get(p.partition())) && p.isr().size() == 3);
        });
    }
}
