package io.weir.broker.node;

import io.weir.broker.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long a new broker takes to get its share, and what the move costs producers: three voter
 * nodes (in this JVM) hold {@code weir.measure.elastic.mb} MiB (default 256) of a 12-partition
 * RF=2 topic; an acks=all producer sends 1 KiB records at a steady 200 per second throughout.
 * Once followers have caught up with the load (ISR full, replicas within 64 KiB), its latencies are recorded for 30 s before a fourth, broker-only node starts, then from the
 * start until the balancer has given that node its share of the topic's replicas and leaders
 * and no reassignment is left. {@code weir.measure.elastic.throttle} sets every node's
 * {@code follower.replication.throttled.rate} (bytes/s; unbounded by default),
 * {@code weir.measure.elastic.leader.throttle} its {@code leader.replication.throttled.rate}. Writes
 * {@code target/elastic-measurement.txt}.
 */
@EnabledIfSystemProperty(named = "weir.measure.elastic", matches = "true")
class ElasticMeasurement {
    private static final String TOPIC = "measured";
    private static final int PARTITIONS = 12;
    private static final byte[] VALUE = new byte[1024];

    @TempDir
    Path dir;

    private final Map<Integer, WeirNode> nodes = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        nodes.values().forEach(WeirNode::close);
    }

    @Test
    void timeUntilBalancedAndProduceLatencyDuringTheMove() throws Exception {
        long mib = Long.getLong("weir.measure.elastic.mb", 256);
        long throttle = Long.getLong("weir.measure.elastic.throttle", Long.MAX_VALUE);
        long leaderThrottle = Long.getLong("weir.measure.elastic.leader.throttle", Long.MAX_VALUE);
        int[] kafkaPorts = FreePorts.take(4);
        int[] quorumPorts = FreePorts.take(4);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
        }
        List<NodeConfig> configs = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            String self = i == 4 ? "  quorum.port: %d%n".formatted(quorumPorts[3]) : "";
            configs.add(NodeConfig.parse("""
                    node.id: %d
                    cluster.id: measured
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                    %s  voters:
                    %s
                    follower.replication.throttled.rate: %d
                    leader.replication.throttled.rate: %d
                    """.formatted(i, dir.resolve("node-" + i), kafkaPorts[i - 1], self, voters, throttle,
                    leaderThrottle)));
        }
        for (int i = 1; i <= 3; i++) nodes.put(i, WeirNode.start(configs.get(i - 1)));
        for (WeirNode n : nodes.values()) n.awaitReady(Duration.ofSeconds(60));
        String bootstrap = nodes.values().stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
        try (Admin admin = admin(bootstrap); KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 2)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            long loadStart = System.nanoTime();
            for (long i = 0; i < mib * 1024; i++) {
                producer.send(new ProducerRecord<>(TOPIC, (int) (i % PARTITIONS), null, VALUE));
            }
            producer.flush();
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;

            // Followers copy the bulk load first; acks=all waits for them, so let them catch up.
            long catchUpStart = System.nanoTime();
            paced(producer, () -> caughtUp(admin), Duration.ofMinutes(10));
            double catchUpSeconds = (System.nanoTime() - catchUpStart) / 1e9;
            List<Long> before = paced(producer, () -> false, Duration.ofSeconds(30));
            nodes.put(4, WeirNode.start(configs.get(3)));
            long start = System.nanoTime();
            List<Long> during = paced(producer, () -> balanced(admin), Duration.ofMinutes(30));
            double seconds = (System.nanoTime() - start) / 1e9;

            String report = """
                    Elastic cluster: add a broker-only node to 3 voters (in one JVM), follower.replication.throttled.rate %s, leader.replication.throttled.rate %s
                    data: %d MiB in a 12-partition RF=2 topic (%d MiB of replicas), loaded in %.1f s, followers caught up %.1f s later
                    balancer: auto.balance.interval.ms 10000, auto.balance.max.concurrent.moves 4
                    time from node start until balanced (its share of replicas and leaders, no reassignment left): %.1f s
                    acks=all produce latency at 200 records/s, 1 KiB records:
                      before the move (30 s): %s
                      during the move:        %s
                    """.formatted(rate(throttle), rate(leaderThrottle), mib, 2 * mib, loadSeconds, catchUpSeconds, seconds, stats(before), stats(during));
            System.out.print(report);
            Files.writeString(Path.of("target", "elastic-measurement.txt"), report,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
    }

    /** Sends one record every 5 ms until {@code done} (checked every second) or {@code max}; latencies in µs. */
    private static List<Long> paced(KafkaProducer<byte[], byte[]> producer, BooleanSupplier done, Duration max)
            throws Exception {
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + max.toNanos();
        long nextCheck = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (long i = 0; System.nanoTime() < end; i++) {
            long sent = System.nanoTime();
            producer.send(new ProducerRecord<>(TOPIC, (int) (i % PARTITIONS), null, VALUE), (md, e) -> {
                if (e == null) latencies.add((System.nanoTime() - sent) / 1000);
            });
            TimeUnit.MILLISECONDS.sleep(5);
            if (System.nanoTime() > nextCheck) {
                if (done.getAsBoolean()) break;
                nextCheck = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            }
        }
        producer.flush();
        return latencies;
    }

    /** Every partition's replicas in the ISR and within 64 KiB of each other's size. */
    private static boolean caughtUp(Admin admin) {
        try {
            List<TopicPartitionInfo> partitions = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(TOPIC).partitions();
            if (partitions.stream().anyMatch(p -> p.isr().size() < p.replicas().size())) return false;
            Map<org.apache.kafka.common.TopicPartition, List<Long>> sizes = new java.util.HashMap<>();
            admin.describeLogDirs(List.of(1, 2, 3)).allDescriptions().get(10, TimeUnit.SECONDS)
                    .forEach((broker, dirs) -> dirs.values().forEach(d -> d.replicaInfos().forEach((tp, info) ->
                            sizes.computeIfAbsent(tp, k -> new ArrayList<>()).add(info.size()))));
            return sizes.values().stream().allMatch(l -> Collections.max(l) - Collections.min(l) <= 64 * 1024);
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean balanced(Admin admin) {
        try {
            if (!admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS).isEmpty()) return false;
            Map<Integer, Integer> replicas = new TreeMap<>();
            Map<Integer, Integer> leaders = new TreeMap<>();
            for (TopicPartitionInfo p : admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(TOPIC).partitions()) {
                p.replicas().forEach(r -> replicas.merge(r.id(), 1, Integer::sum));
                if (p.leader() != null) leaders.merge(p.leader().id(), 1, Integer::sum);
            }
            return replicas.size() == 4 && Collections.max(replicas.values()) - Collections.min(replicas.values()) <= 1
                    && leaders.size() == 4 && Collections.max(leaders.values()) - Collections.min(leaders.values()) <= 1;
        } catch (Exception e) {
            return false;
        }
    }

    private static String rate(long bytesPerSecond) {
        return bytesPerSecond == Long.MAX_VALUE ? "unbounded" : bytesPerSecond + " B/s";
    }

    private static String stats(List<Long> micros) {
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        if (sorted.isEmpty()) return "no acknowledgements";
        long stalled = sorted.stream().filter(us -> us > 5_000_000).count();
        return "%d records, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d over 5 s".formatted(sorted.size(),
                pct(sorted, 0.50), pct(sorted, 0.99), sorted.get(sorted.size() - 1) / 1000.0, stalled);
    }

    private static double pct(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)) / 1000.0;
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000));
    }
}
