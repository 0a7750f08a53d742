package io.weir.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test but a measurement, run on demand (see docs/BENCHMARKS.md): how long a group of
 * three real consumers sharing six partitions takes to give the partitions of a member that
 * leaves (a clean close, which sends LeaveGroup or a heartbeat with epoch -1) to the other two,
 * under the classic protocol and under KIP-848, {@code weir.measure.rounds} (10) times each,
 * alternating. Once the three have settled, the leaver waits a random part of a heartbeat
 * interval (seed {@code weir.measure.seed}), so the rounds sample where in their heartbeat cycle
 * the others are; the time runs from the start of its close until both others own three
 * partitions, each member polling in its own thread every 10 ms. Client and broker timings are
 * Kafka's defaults (classic: {@code heartbeat.interval.ms} 3 s; KIP-848:
 * {@code group.consumer.heartbeat.interval.ms} 5 s) unless {@code weir.measure.heartbeat.ms}
 * sets both. One node (local backend) in this JVM. Writes {@code target/rebalance-measurement.txt}.
 */
@EnabledIfSystemProperty(named = "weir.measure.rebalance", matches = "true")
class RebalanceMeasurement {
    private static final String TOPIC = "work";

    @TempDir
    Path dir;

    @Test
    void timeTheRebalanceWhenOneOfThreeMembersLeaves() throws Exception {
        int rounds = Integer.getInteger("weir.measure.rounds", 10);
        Integer heartbeatMs = Integer.getInteger("weir.measure.heartbeat.ms");
        String yaml = """
                node.id: 1
                cluster.id: rebalance
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                group.initial.rebalance.delay.ms: 0
                """.formatted(dir.resolve("node-1"));
        if (heartbeatMs != null) yaml += "group.consumer.heartbeat.interval.ms: " + heartbeatMs + "\n";
        java.util.Random random = new java.util.Random(Long.getLong("weir.measure.seed", 1L));
        Map<String, List<Long>> millis = new HashMap<>(Map.of("classic", new ArrayList<>(), "consumer", new ArrayList<>()));
        try (WeirNode node = WeirNode.start(NodeConfig.parse(yaml))) {
            node.awaitReady(Duration.ofSeconds(30));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            for (int round = 0; round < rounds; round++) {
                List<String> order = round % 2 == 0 ? List.of("classic", "consumer") : List.of("consumer", "classic");
                for (String protocol : order) {
                    long ms = measure(node.bootstrapServers(), protocol, "g-" + protocol + "-" + round, heartbeatMs, random);
                    millis.get(protocol).add(ms);
                    System.out.printf("round %d %s: %d ms%n", round, protocol, ms);
                }
            }
        }
        StringBuilder report = new StringBuilder("Rebalance after one of three members leaves (6 partitions), "
                + (heartbeatMs == null ? "Kafka's default heartbeat intervals" : "heartbeat interval " + heartbeatMs + " ms")
                + "\n");
        for (String protocol : List.of("classic", "consumer")) {
            List<Long> all = millis.get(protocol);
            List<Long> sorted = new ArrayList<>(all);
            Collections.sort(sorted);
            long median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                    : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
            report.append(String.format("%s: median %d ms, min %d, max %d, all %s%n", protocol, median,
                    sorted.get(0), sorted.get(sorted.size() - 1), all));
        }
        System.out.print(report);
        Files.writeString(Path.of("target", "rebalance-measurement.txt"), report);
        assertThat(millis.get("classic")).hasSize(rounds);
    }

    /** One round: three members settle on two partitions each, one closes, the time until the others own three each. */
    private static long measure(String bootstrap, String protocol, String group, Integer heartbeatMs,
                                java.util.Random random) throws Exception {
        int intervalMs = heartbeatMs != null ? heartbeatMs : protocol.equals("classic") ? 3_000 : 5_000;
        List<AtomicInteger> owned = new ArrayList<>();
        List<AtomicBoolean> stops = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
            config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            if (protocol.equals("classic") && heartbeatMs != null) {
                config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, heartbeatMs);
            }
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config);
            AtomicInteger count = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread t = new Thread(() -> {
                consumer.subscribe(List.of(TOPIC));
                while (!stop.get()) {
                    consumer.poll(Duration.ofMillis(10));
                    count.set(consumer.assignment().size());
                }
                consumer.close(Duration.ofSeconds(10));
            }, "member-" + i);
            owned.add(count);
            stops.add(stop);
            threads.add(t);
            t.start();
        }
        try {
            await(() -> owned.stream().allMatch(c -> c.get() == 2), 120_000);
            // The members heartbeated together when they settled; leave at a random point of the
            // next interval, so the time samples where in their heartbeat cycle the others are.
            Thread.sleep(random.nextInt(intervalMs));
            long start = System.nanoTime();
            stops.get(2).set(true); // the member's own thread closes it (KafkaConsumer is single-threaded)
            await(() -> owned.get(0).get() == 3 && owned.get(1).get() == 3, 120_000);
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        } finally {
            stops.forEach(s -> s.set(true));
            for (Thread t : threads) t.join(30_000);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + timeoutMs + " ms");
            Thread.sleep(1);
        }
    }
}
