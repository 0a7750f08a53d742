package io.weir.broker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.weir.broker.testing.FreePorts;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compacted RF=3 topic on three in-process nodes with real kafka-clients: many updates to few
 * keys plus tombstones, one-second roll files ({@code segment.ms=1000}); the cleaner compacts the
 * leader's log and a fresh consumer reads exactly the latest value per key, at the offsets the
 * producer was told, increasing with gaps. Node 3 runs no cleaner ({@code log.cleaner.enable: false}
 * in its YAML); its log is wiped and it replicates the compacted log from the leader across the gaps.
 */
class CompactedTopicTest {
    private static final String TOPIC = "table";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int KEYS = 10;

    @TempDir
    Path dir;

    private final Map<Integer, WeirNode> nodes = new HashMap<>();
    private final Map<Integer, NodeConfig> configs = new HashMap<>();

    @AfterEach
    void stop() {
        nodes.values().forEach(WeirNode::close);
    }

    @Test
    void aFreshConsumerAndAFreshFollowerSeeTheLatestValuePerKey() throws Exception {
        startCluster();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2, 3))).configs(Map.of(
                    "cleanup.policy", "compact", "segment.ms", "1000", "min.cleanable.dirty.ratio", "0.01",
                    "delete.retention.ms", "0", "min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            Config broker = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER, "1")))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next();
            assertThat(broker.get("log.cleaner.backoff.ms").value()).isEqualTo("100");
            assertThat(broker.get("log.cleaner.backoff.ms").source())
                    .isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
            assertThat(broker.get("log.cleaner.dedupe.buffer.size").value()).isEqualTo("134217728");
        }
        Map<Long, String[]> produced = new TreeMap<>(); // offset -> {key, value or null}
        try (KafkaProducer<String, String> producer = producer()) {
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 120; i++) {
                    String key = "k" + (i % KEYS);
                    boolean tombstone = round == 3 && i % KEYS >= 8 && i >= 100;
                    send(producer, key, tombstone ? null : "v" + round + "-" + i, produced);
                }
                Thread.sleep(1_100); // the next round goes into another roll file
            }
            send(producer, "last", "closes the last roll file of updates", produced);
            ExecutionException keyless = (ExecutionException) org.assertj.core.api.Assertions.catchThrowable(
                    () -> producer.send(new ProducerRecord<>(TOPIC, 0, null, "no key")).get(60, TimeUnit.SECONDS));
            assertThat(keyless.getCause()).isInstanceOf(InvalidRecordException.class);
            send(producer, "after", "the node still takes writes", produced);
        }
        Map<String, String> latest = fold(new ArrayList<>(produced.values()));
        assertThat(latest).as("k8 and k9 end with tombstones").hasSize(KEYS - 2);

        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            read.clear();
            read.addAll(readAll(bootstrap()));
            assertThat(read.size()).as("compacted").isLessThan(produced.size() / 10);
        });
        checkAgainstProduced(read.stream().map(r -> new Object[] {r.offset(), r.key(), r.value()}).toList(),
                produced, latest);

        // Node 3 (no cleaner) starts again from an empty log and copies the compacted one.
        nodes.remove(3).close();
        try (Admin admin = admin()) {
            // Out of the ISR first, so that being back in it below means node 3 caught up again.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> admin.describeTopics(List.of(TOPIC))
                    .allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC).partitions().get(0).isr().size() == 2);
        }
        deleteRecursively(configs.get(3).dataDir().resolve("logs").resolve(TOPIC + "-0"));
        nodes.put(3, WeirNode.start(configs.get(3)));
        nodes.get(3).awaitReady(Duration.ofSeconds(60));
        try (Admin admin = admin()) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> admin.describeTopics(List.of(TOPIC))
                    .allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC).partitions().get(0).isr().size() == 3);
        }
        long end = produced.keySet().stream().mapToLong(Long::longValue).max().orElseThrow() + 1;
        nodes.values().forEach(WeirNode::close);
        nodes.clear();
        for (int node = 1; node <= 3; node++) {
            io.weir.storage.PartitionLog log = io.weir.storage.PartitionLog.open(TP,
                    configs.get(node).dataDir().resolve("logs").resolve(TOPIC + "-0"),
                    io.weir.storage.LogConfig.defaults(), Clock.systemUTC());
            try {
                assertThat(log.logEndOffset()).as("node %d", node).isEqualTo(end);
                List<Object[]> records = logRecords(log);
                checkAgainstProduced(records, produced, latest);
                if (node == 3) {
                    assertThat(records.size()).as("node 3 copied the compacted log").isLessThan(produced.size() / 10);
                }
            } finally {
                log.close();
            }
        }
    }

    private static void deleteRecursively(Path root) throws java.io.IOException {
        try (var paths = java.nio.file.Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }

    private static void checkAgainstProduced(List<Object[]> records, Map<Long, String[]> produced,
                                             Map<String, String> latest) {
        long previous = -1;
        boolean gap = false;
        List<String[]> kv = new ArrayList<>();
        for (Object[] r : records) {
            long offset = (Long) r[0];
            assertThat(offset).isGreaterThan(previous);
            gap |= offset > previous + 1; // the first record after offset 0 counts: the log starts at 0
            previous = offset;
            assertThat(produced.get(offset)).as("offset %d", offset).containsExactly((String) r[1], (String) r[2]);
            kv.add(new String[] {(String) r[1], (String) r[2]});
        }
        assertThat(gap).as("offsets have gaps").isTrue();
        assertThat(fold(kv)).isEqualTo(latest);
    }

    private static Map<String, String> fold(List<String[]> keyValues) {
        Map<String, String> latest = new TreeMap<>();
        for (String[] kv : keyValues) {
            if (kv[1] == null) {
                latest.remove(kv[0]);
            } else {
                latest.put(kv[0], kv[1]);
            }
        }
        latest.remove("last");
        latest.remove("after");
        return latest;
    }

    private static List<Object[]> logRecords(io.weir.storage.PartitionLog log) {
        List<Object[]> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            long next = offset;
            for (var batch : log.read(offset, 1 << 20, Long.MAX_VALUE, true).records().batches()) {
                for (var r : batch) {
                    out.add(new Object[] {r.offset(), string(r.key()), r.hasValue() ? string(r.value()) : null});
                }
                next = batch.lastOffset() + 1;
            }
            offset = next;
        }
        return out;
    }

    private static String string(java.nio.ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void send(KafkaProducer<String, String> producer, String key, String value,
                             Map<Long, String[]> produced) throws Exception {
        RecordMetadata md = producer.send(new ProducerRecord<>(TOPIC, 0, key, value)).get(60, TimeUnit.SECONDS);
        produced.put(md.offset(), new String[] {key, value});
    }

    private List<ConsumerRecord<String, String>> readAll(String bootstrap) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            long end = consumer.endOffsets(List.of(TP)).get(TP);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.position(TP) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
            assertThat(consumer.position(TP)).isEqualTo(end);
        }
        return out;
    }

    private void startCluster() throws Exception {
        int[] kafkaPorts = FreePorts.take(3);
        int[] quorumPorts = FreePorts.take(3);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
        }
        for (int i = 1; i <= 3; i++) {
            configs.put(i, NodeConfig.parse("""
                    node.id: %d
                    cluster.id: compacted
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                      voters:
                    %s
                    broker.heartbeat.interval.ms: 200
                    broker.session.timeout.ms: 3000
                    replica.lag.time.max.ms: 3000
                    log.cleaner.backoff.ms: 100
                    log.cleaner.enable: %s
                    """.formatted(i, dir.resolve("node-" + i), kafkaPorts[i - 1], voters, i != 3)));
            nodes.put(i, WeirNode.start(configs.get(i)));
        }
        for (WeirNode node : nodes.values()) {
            node.awaitReady(Duration.ofSeconds(60));
        }
    }

    private String bootstrap() {
        return nodes.values().stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000));
    }
}
