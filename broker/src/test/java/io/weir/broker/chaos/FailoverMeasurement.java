package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import java.util.stream.Collectors;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test but a measurement, run on demand (see docs/BENCHMARKS.md): the time from
 * kill -9 of a partition leader to the next acknowledged acks=all produce to that partition,
 * over {@code weir.measure.kills} kills (10) per backend, on {@code weir.measure.backend}
 * ({@code ratis}, {@code zookeeper} or {@code both}, the default; one cluster after the other),
 * with the nodes' default timeouts unless {@code weir.measure.session.timeout.ms} says
 * otherwise. Three partitions led by three different nodes; each kill takes the leader of a
 * partition whose leader is not the active controller, so the figure is partition failover alone
 * (a controller failover, measured by {@code ControllerFailoverMeasurement}, would add to it).
 * Writes {@code target/failover-measurement.txt}.
 */
@EnabledIfSystemProperty(named = "weir.measure.failover", matches = "true")
class FailoverMeasurement {
    private static final String TOPIC = "failover";

    @TempDir
    Path dir;

    @Test
    void killTheLeaderAndTimeTheNextAcknowledgedWrite() throws Exception {
        int kills = Integer.getInteger("weir.measure.kills", 10);
        String backend = System.getProperty("weir.measure.backend", "both");
        String sessionTimeout = System.getProperty("weir.measure.session.timeout.ms");
        Map<String, Object> extra = sessionTimeout == null ? Map.of()
                : Map.of("broker.session.timeout.ms", Integer.parseInt(sessionTimeout));
        StringBuilder summary = new StringBuilder();
        for (ProcessCluster.Backend b : ProcessCluster.Backend.values()) {
            if (!backend.equals("both") && !backend.equalsIgnoreCase(b.name())) continue;
            List<Long> millis = measure(dir.resolve(b.name().toLowerCase()), b, kills, extra);
            List<Long> sorted = new ArrayList<>(millis);
            Collections.sort(sorted);
            long median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                    : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
            String line = b.name().toLowerCase() + ": kill -9 of a partition leader (not the controller) -> next"
                    + " acknowledged acks=all produce to that partition, " + millis.size() + " kills"
                    + (sessionTimeout == null ? " (default broker.session.timeout.ms "
                            + io.weir.broker.node.NodeConfig.DEFAULT_BROKER_SESSION_TIMEOUT_MS + ")"
                    : " (broker.session.timeout.ms " + sessionTimeout + ")") + ": median " + median + " ms, min "
                    + sorted.get(0) + " ms, max " + sorted.get(sorted.size() - 1) + " ms, all " + millis;
            System.out.println(line);
            summary.append(line).append('\n');
            assertThat(millis).hasSize(kills);
        }
        Files.writeString(Path.of("target", "failover-measurement.txt"), summary.toString());
    }

    private static List<Long> measure(Path dir, ProcessCluster.Backend backend, int kills, Map<String, Object> extra)
            throws Exception {
        List<Long> millis = new ArrayList<>();
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, extra, backend)) {
            cluster.startAll();
            for (int id = 1; id <= 3; id++) {
                cluster.awaitListening(id, 60_000);
            }
            String bootstrap = cluster.bootstrapServers();
            try (Admin admin = admin(bootstrap)) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                    try {
                        admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2, 3),
                                1, List.of(2, 3, 1), 2, List.of(3, 1, 2)))
                                .configs(Map.of("min.insync.replicas", "2")))).all().get(10, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                    return true;
                });
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                    ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 20,
                    ProducerConfig.METADATA_MAX_AGE_CONFIG, 500))) {
                for (int k = 0; k < kills; k++) {
                    int[] partitionAndLeader = awaitFullIsrAndALeaderThatIsNotTheController(bootstrap);
                    int partition = partitionAndLeader[0];
                    int leader = partitionAndLeader[1];
                    producer.send(new ProducerRecord<>(TOPIC, partition, null, "warm-" + k)).get(60, TimeUnit.SECONDS);
                    long start = System.nanoTime();
                    cluster.killDashNine(leader);
                    producer.send(new ProducerRecord<>(TOPIC, partition, null, "after-kill-" + k))
                            .get(120, TimeUnit.SECONDS);
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    millis.add(ms);
                    System.out.println(backend + " kill " + k + ": leader " + leader + " of partition " + partition
                            + " killed, next acks=all write after " + ms + " ms");
                    cluster.start(leader);
                    cluster.awaitListening(leader, 60_000);
                }
            }
        }
        return millis;
    }

    /** Once every ISR is full: a partition and its leader, which is not the active controller's node. */
    private static int[] awaitFullIsrAndALeaderThatIsNotTheController(String bootstrap) {
        java.util.concurrent.atomic.AtomicReference<String> seen = new java.util.concurrent.atomic.AtomicReference<>();
        try (Admin admin = admin(bootstrap)) {
            return await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .alias("a full ISR and a leader that is not the controller; last seen: " + seen)
                    .until(() -> {
                        try {
                            int controller = admin.describeCluster().controller().get(5, TimeUnit.SECONDS).id();
                            TopicDescription t = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                                    .get(5, TimeUnit.SECONDS).get(TOPIC);
                            seen.set("controller " + controller + ", " + t.partitions());
                            if (t.partitions().stream().anyMatch(p -> p.isr().size() != 3 || p.leader() == null)) {
                                return null;
                            }
                            int[] found = t.partitions().stream().filter(p -> p.leader().id() != controller)
                                    .map(p -> new int[] {p.partition(), p.leader().id()}).findFirst().orElse(null);
                            if (found == null) {
                                // Every leader sits on the controller's node: move them back to their preferred replicas.
                                admin.electLeaders(ElectionType.PREFERRED, t.partitions().stream()
                                        .map(p -> new TopicPartition(TOPIC, p.partition())).collect(Collectors.toSet()))
                                        .all().get(10, TimeUnit.SECONDS);
                            }
                            return found;
                        } catch (Exception e) {
                            seen.set(e.toString());
                            return null;
                        }
                    }, r -> r != null);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IllegalStateException("no partition to fail over; last seen: " + seen.get(), e);
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
    }
}
