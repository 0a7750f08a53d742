package io.weir.broker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.testing.FreePorts;
import io.weir.broker.testing.ReadBack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The balancer on by default: three voter nodes serve a 12-partition RF=2 topic to an acks=all
 * producer and a consumer group; a fourth, broker-only node (a Ratis listener, not a voter)
 * starts with nothing but its config, and within a bounded time holds its share of replicas
 * (within one of the average) and some leaderships; then it is drained (broker.draining), stopped
 * and unregistered as {@code weir cluster remove-node} does, ending with no replica; every
 * acknowledged record is consumed.
 */
class ElasticClusterTest {
    private static final String TOPIC = "elastic";
    private static final int PARTITIONS = 12;

    @TempDir
    Path dir;

    private final Map<Integer, WeirNode> nodes = new ConcurrentHashMap<>();
    private NodeConfig startLater;

    @AfterEach
    void stop() {
        nodes.values().forEach(WeirNode::close);
    }

    @Test
    void aNewBrokerReceivesItsShareThenDrainsAwayWhileClientsRun() throws Exception {
        int[] kafkaPorts = FreePorts.take(4);
        int[] quorumPorts = FreePorts.take(4);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
        }
        for (int i = 1; i <= 4; i++) {
            String self = i == 4 ? "  quorum.port: %d%n".formatted(quorumPorts[3]) : "";
            NodeConfig config = NodeConfig.parse("""
                    node.id: %d
                    cluster.id: elastic
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                    %s  voters:
                    %s
                    broker.heartbeat.interval.ms: 200
                    broker.session.timeout.ms: 3000
                    replica.lag.time.max.ms: 3000
                    auto.balance.interval.ms: 1000
                    """.formatted(i, dir.resolve("node-" + i), kafkaPorts[i - 1], self, voters));
            if (i == 4) {
                assertThat(config.coordination().isVoter(4)).isFalse();
                startLater = config;
                continue;
            }
            nodes.put(i, WeirNode.start(config));
        }
        for (WeirNode node : nodes.values()) {
            node.awaitReady(Duration.ofSeconds(60));
        }
        String bootstrap = bootstrap();
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 2)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> describe(admin).partitions()
                    .stream().allMatch(p -> p.isr().size() == 2 && p.leader() != null));
        }

        Map<Integer, Map<Long, String>> acked = new ConcurrentHashMap<>();
        Set<String> consumed = ConcurrentHashMap.newKeySet();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> produce(bootstrap, running, acked, failure), "elastic-producer");
        Thread consumer = new Thread(() -> consume(bootstrap, running, consumed, failure), "elastic-consumer");
        producer.start();
        consumer.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> acked.values().stream().mapToInt(Map::size).sum() > 200);

        nodes.put(4, WeirNode.start(startLater));
        nodes.get(4).awaitReady(Duration.ofSeconds(60));
        try (Admin admin = admin(bootstrap)) {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .untilAsserted(() -> {
                        TopicDescription d = describe(admin);
                        Map<Integer, Integer> replicas = new TreeMap<>();
                        Map<Integer, Integer> leaders = new TreeMap<>();
                        for (TopicPartitionInfo p : d.partitions()) {
                            assertThat(p.replicas()).hasSize(2);
                            assertThat(p.isr()).hasSize(2);
                            p.replicas().forEach(r -> replicas.merge(r.id(), 1, Integer::sum));
                            leaders.merge(p.leader().id(), 1, Integer::sum);
                        }
                        // 24 replicas over 4 brokers: 6 each, within one.
                        assertThat(replicas).containsOnlyKeys(1, 2, 3, 4);
                        assertThat(replicas.values()).allSatisfy(n -> assertThat(n).isBetween(5, 7));
                        assertThat(leaders.getOrDefault(4, 0)).isPositive();
                        assertThat(admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS))
                                .isEmpty();
                    });
        }
        int before = acked.values().stream().mapToInt(Map::size).sum();
        await().atMost(Duration.ofSeconds(60)).until(() -> acked.values().stream().mapToInt(Map::size).sum()
                > before + 100);

        // What `weir cluster remove-node 4` does: drain through the controller, stop, unregister.
        try (Admin admin = admin(bootstrap)) {
            ConfigResource broker4 = new ConfigResource(ConfigResource.Type.BROKER, "4");
            admin.incrementalAlterConfigs(Map.of(broker4, List.of(new AlterConfigOp(
                    new ConfigEntry("broker.draining", "true"), AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .untilAsserted(() -> {
                        for (TopicPartitionInfo p : describe(admin).partitions()) {
                            assertThat(p.replicas()).extracting(n -> n.id()).doesNotContain(4);
                            assertThat(p.isr()).hasSize(2);
                        }
                        assertThat(admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS))
                                .isEmpty();
                    });
            nodes.remove(4).close();
            admin.unregisterBroker(4).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)
                    .stream().noneMatch(n -> n.id() == 4));
        }
        int afterRemoval = acked.values().stream().mapToInt(Map::size).sum();
        await().atMost(Duration.ofSeconds(60)).until(() -> acked.values().stream().mapToInt(Map::size).sum()
                > afterRemoval + 100);
        running.set(false);
        producer.join(60_000);
        Set<String> all = acked.values().stream().flatMap(m -> m.values().stream()).collect(Collectors.toSet());
        await().atMost(Duration.ofSeconds(60)).until(() -> consumed.containsAll(all) || failure.get() != null);
        consumer.join(60_000);
        assertThat(failure.get()).isNull();
        assertThat(consumed).containsAll(all);

        Map<Integer, List<String>> expected = new HashMap<>();
        acked.forEach((p, byOffset) -> expected.put(p, new ArrayList<>(byOffset.values())));
        Map<Integer, List<String>> read = ReadBack.values(bootstrap(), TOPIC, PARTITIONS, expected,
                Duration.ofSeconds(60));
        expected.forEach((p, values) -> assertThat(read.get(p)).as("partition %d", p).containsExactlyElementsOf(values));
    }

    private static void produce(String bootstrap, AtomicBoolean running, Map<Integer, Map<Long, String>> acked,
                                AtomicReference<Throwable> failure) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.METADATA_MAX_AGE_CONFIG, 1_000))) {
            for (int i = 0; running.get(); i++) {
                String value = "v" + i;
                producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, value), (md, e) -> {
                    if (e == null) {
                        acked.computeIfAbsent(md.partition(), k -> new ConcurrentSkipListMap<>()).put(md.offset(), value);
                    }
                });
                if (i % 50 == 49) {
                    producer.flush();
                    Thread.sleep(20);
                }
            }
            producer.flush();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private static void consume(String bootstrap, AtomicBoolean running, Set<String> consumed,
                                AtomicReference<Throwable> failure) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "elastic-readers",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(TOPIC));
            long idleSince = System.nanoTime();
            while (running.get() || System.nanoTime() - idleSince < TimeUnit.SECONDS.toNanos(20)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    consumed.add(r.value());
                    idleSince = System.nanoTime();
                }
                consumer.commitSync();
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private String bootstrap() {
        return nodes.values().stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static TopicDescription describe(Admin admin) throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC);
    }
}
