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
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test but a measurement, run on demand (see docs/BENCHMARKS.md): the time from
 * kill -9 of a partition leader to the next acknowledged acks=all produce to that partition,
 * over {@code weir.measure.kills} kills (10), with the nodes' default timeouts unless
 * {@code weir.measure.session.timeout.ms} says otherwise. Writes
 * {@code target/failover-measurement.txt}.
 */
@EnabledIfSystemProperty(named = "weir.measure.failover", matches = "true")
class FailoverMeasurement {
    private static final String TOPIC = "failover";

    @TempDir
    Path dir;

    @Test
    void killTheLeaderAndTimeTheNextAcknowledgedWrite() throws Exception {
        int kills = Integer.getInteger("weir.measure.kills", 10);
        String sessionTimeout = System.getProperty("weir.measure.session.timeout.ms");
        Map<String, Object> extra = sessionTimeout == null ? Map.of()
                : Map.of("broker.session.timeout.ms", Integer.parseInt(sessionTimeout));
        List<Long> millis = new ArrayList<>();
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, extra)) {
            cluster.startAll();
            for (int id = 1; id <= 3; id++) {
                cluster.awaitListening(id, 60_000);
            }
            String bootstrap = cluster.bootstrapServers();
            try (Admin admin = admin(bootstrap)) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                    try {
                        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3)
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
                    int leader = awaitFullIsrAndLeader(bootstrap);
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, "warm-" + k)).get(60, TimeUnit.SECONDS);
                    long start = System.nanoTime();
                    cluster.killDashNine(leader);
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, "after-kill-" + k)).get(120, TimeUnit.SECONDS);
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    millis.add(ms);
                    System.out.println("kill " + k + ": leader " + leader + " killed, next acks=all write after " + ms
                            + " ms");
                    cluster.start(leader);
                    cluster.awaitListening(leader, 60_000);
                }
            }
        }
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        long median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        String summary = "kill -9 of the partition leader -> next acknowledged acks=all produce, " + millis.size()
                + " kills" + (sessionTimeout == null ? " (default broker.session.timeout.ms 9000)"
                : " (broker.session.timeout.ms " + sessionTimeout + ")") + ": median " + median + " ms, max "
                + sorted.get(sorted.size() - 1) + " ms, all " + millis;
        System.out.println(summary);
        Files.writeString(Path.of("target", "failover-measurement.txt"), summary + "\n");
        assertThat(millis).hasSize(kills);
    }

    private static int awaitFullIsrAndLeader(String bootstrap) {
        try (Admin admin = admin(bootstrap)) {
            TopicDescription d = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> admin.describeTopics(List.of(TOPIC)).allTopicNames()
                            .get(5, TimeUnit.SECONDS).get(TOPIC), t -> t.partitions().get(0).isr().size() == 3
                            && t.partitions().get(0).leader() != null);
            return d.partitions().get(0).leader().id();
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
    }
}
