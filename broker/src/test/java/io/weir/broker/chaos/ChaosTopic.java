package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.testing.ReadBack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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

/**
 * A topic on a {@link ProcessCluster} of three nodes, RF=3, {@code min.insync.replicas=2}, and
 * the clients the chaos tests drive it with: an idempotent acks=all writer that records what
 * it was acknowledged, and the check that every acknowledged record is read back exactly once,
 * in order per partition.
 */
final class ChaosTopic {
    final String name;
    final int partitions;

    ChaosTopic(String name, int partitions) {
        this.name = name;
        this.partitions = partitions;
    }

    void startAndCreate(ProcessCluster cluster) throws Exception {
        startAndCreate(cluster, null);
    }

    /** @param assignments the replicas of each partition, first the preferred leader; null lets the controller place them */
    void startAndCreate(ProcessCluster cluster, Map<Integer, List<Integer>> assignments) throws Exception {
        cluster.startAll();
        for (int id = 1; id <= 3; id++) {
            cluster.awaitListening(id, 60_000);
        }
        try (Admin admin = admin(cluster.bootstrapServers())) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == 3);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                try {
                    NewTopic topic = assignments == null ? new NewTopic(name, partitions, (short) 3)
                            : new NewTopic(name, assignments);
                    admin.createTopics(List.of(topic.configs(Map.of("min.insync.replicas", "2"))))
                            .all().get(10, TimeUnit.SECONDS);
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

    void awaitFullIsr(String bootstrap) {
        try (Admin admin = admin(bootstrap)) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> admin.describeTopics(List.of(name)).allTopicNames().get(5, TimeUnit.SECONDS)
                            .get(name).partitions().stream()
                            .allMatch(p -> p.isr().size() == 3 && p.leader() != null));
        }
    }

    /**
     * The current leader of {@code partition}, as the cluster describes it. Retried: the node
     * the admin client asks may not have replayed the topic yet (UNKNOWN_TOPIC_OR_PARTITION).
     */
    int leaderOf(String bootstrap, int partition) {
        try (Admin admin = admin(bootstrap)) {
            return await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(
                    () -> admin.describeTopics(List.of(name)).allTopicNames().get(5, TimeUnit.SECONDS)
                            .get(name).partitions().get(partition).leader().id(), id -> id >= 0);
        }
    }

    /**
     * Writes {@code v0, v1, ...} round-robin over the partitions until {@code stop}, recording
     * each acknowledged value per partition in {@code acked} and, when given, the time of the
     * latest acknowledgement.
     */
    void write(String bootstrap, AtomicBoolean stop, Map<Integer, List<String>> acked, AtomicInteger failed) {
        write(bootstrap, stop, acked, failed, 0);
    }

    /**
     * As {@link #write(String, AtomicBoolean, Map, AtomicInteger)}, at most {@code maxPerSecond}
     * sends a second (0: as fast as the cluster acknowledges). A test that only needs writes to be
     * going on through a fault bounds them: reading every acknowledged record back is the slow part.
     */
    void write(String bootstrap, AtomicBoolean stop, Map<Integer, List<String>> acked, AtomicInteger failed,
               int maxPerSecond) {
        try (KafkaProducer<String, String> producer = producer(bootstrap, 60_000)) {
            long start = System.nanoTime();
            long deadline = start + TimeUnit.MINUTES.toNanos(20);
            for (int i = 0; !stop.get() && System.nanoTime() < deadline; i++) {
                String value = "v" + i;
                producer.send(new ProducerRecord<>(name, i % partitions, null, value), (md, error) -> {
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
                    if (maxPerSecond > 0) {
                        long dueNanos = start + (i + 1) * TimeUnit.SECONDS.toNanos(1) / maxPerSecond;
                        LockSupport.parkNanos(dueNanos - System.nanoTime());
                    }
                }
            }
            producer.flush();
        }
    }

    static KafkaProducer<String, String> producer(String bootstrap, int deliveryTimeoutMs) {
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

    static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
    }

    /** Every acknowledged value, in acknowledgement order per partition, and no value twice. */
    void assertReadBackExactlyOnceInOrder(String bootstrap, Map<Integer, List<String>> ackedMap) {
        Map<Integer, List<String>> acked;
        synchronized (ackedMap) {
            acked = new HashMap<>();
            ackedMap.forEach((p, l) -> acked.put(p, List.copyOf(l)));
        }
        // After a crash a leader's HW may restart behind its LEO until its followers fetch again.
        Map<Integer, List<String>> read = ReadBack.values(bootstrap, name, partitions, acked, Duration.ofSeconds(120));
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
