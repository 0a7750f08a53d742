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
    private static final String TOPIC = "chaos";
    private static final int PARTITIONS = 3;
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
            startAndCreateTopic(cluster);
            Map<Integer, List<String>> acked = new HashMap<>();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> write(cluster.bootstrapServers(), stop, acked, failed), "chaos-writer");
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
                    awaitFullIsr(cluster.bootstrapServers());
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
            assertReadBackExactlyOnceInOrder(cluster.bootstrapServers(), acked);
        }
    }

    @Test
    void withTwoOfThreeNodesKilledAcksAllFailsAndNothingAcknowledgedIsLost() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG)) {
            startAndCreateTopic(cluster);
            Map<Integer, List<String>> acked = new HashMap<>();
            try (KafkaProducer<String, String> producer = producer(cluster.bootstrapServers(), 10_000)) {
                for (int i = 0; i < 90; i++) {
                    var md = producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, "before-" + i))
                            .get(30, TimeUnit.SECONDS);
                    acked.computeIfAbsent(md.partition(), p -> new ArrayList<>()).add("before-" + i);
                }
                cluster.killDashNine(2);
                cluster.killDashNine(3);
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(TOPIC, 0, null, "while-down"))
                        .get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            }
            cluster.start(2);
            cluster.start(3);
            cluster.awaitListening(2, 60_000);
            cluster.awaitListening(3, 60_000);
            awaitFullIsr(cluster.bootstrapServers());
            assertReadBackExactlyOnceInOrder(cluster.bootstrapServers(), acked);
        }
    }

    private static void startAndCreateTopic(ProcessCluster cluster) throws Exception {
        cluster.startAll();
        for (int id = 1; id <= 3; id++) {
            cluster.awaitListening(id, 60_000);
        }
        try (Admin admin = admin(cluster.bootstrapServers())) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == 3);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                try {
                    admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                            .configs(Map.of("min.insync.replicas", "2")))).all().get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // An earlier attempt timed out on the client but was committed.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
                return true;
            });
        }
        awaitFullIsr(cluster.bootstrapServers());
    }

    private static void awaitFullIsr(String bootstrap) {
        try (Admin admin = admin(bootstrap)) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> admin.describeTopics(List.of(TOPIC)).allTopicNames().get(5, TimeUnit.SECONDS)
                            .get(TOPIC).partitions().stream()
                            .allMatch(p -> p.isr().size() == 3 && p.leader() != null));
        }
    }

    private static void write(String bootstrap, AtomicBoolean stop, Map<Integer, List<String>> acked,
            AtomicInteger failed) {
        try (KafkaProducer<String, String> producer = producer(bootstrap, 60_000)) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
            for (int i = 0; !stop.get() && System.nanoTime() < deadline; i++) {
                String value = "v" + i;
                producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, value), (md, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        return;
                    }
                    synchronized (acked) {
                        acked.computeIfAbsent(md.partition(), p -> new ArrayList<>()).add(value);
                    }
                });
                if (i % 50 == 49) {
                    producer.flush();
                }
            }
            producer.flush();
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap, int deliveryTimeoutMs) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deliveryTimeoutMs,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(5_000, deliveryTimeoutMs),
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.METADATA_MAX_AGE_CONFIG, 1_000));
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
    }

    /** Every acknowledged value, in acknowledgement order per partition, and no value twice. */
    private static void assertReadBackExactlyOnceInOrder(String bootstrap, Map<Integer, List<String>> ackedMap) {
        Map<Integer, List<String>> acked;
        synchronized (ackedMap) {
            acked = new HashMap<>();
            ackedMap.forEach((p, l) -> acked.put(p, List.copyOf(l)));
        }
        // After a crash a leader's HW may restart behind its LEO until its followers fetch again.
        Map<Integer, List<String>> read = ReadBack.values(bootstrap, TOPIC, PARTITIONS, acked, Duration.ofSeconds(120));
        for (Map.Entry<Integer, List<String>> e : acked.entrySet()) {
            List<String> got = read.getOrDefault(e.getKey(), List.of());
            Set<String> seen = new HashSet<>();
            assertThat(got).as("partition %d has no duplicates", e.getKey()).allMatch(seen::add);
            List<String> ackedInLog = got.stream().filter(new HashSet<>(e.getValue())::contains).toList();
            assertThat(ackedInLog).as("partition %d holds every acknowledged record in order", e.getKey())
                    .containsExactlyElementsOf(e.getValue());
        }
    }
}
