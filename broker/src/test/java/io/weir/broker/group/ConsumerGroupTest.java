package io.weir.broker.group;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Real subscribe() consumers: partitions split across members, rebalance on leave, committed offsets. */
class ConsumerGroupTest {
    @TempDir
    Path dir;
    private WeirNode node;

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: groups
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                broker.heartbeat.interval.ms: 100
                group.initial.rebalance.delay.ms: 0
                """.formatted(dir.resolve("node-1"))));
        node.awaitReady(Duration.ofSeconds(30));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000))) {
            admin.createTopics(List.of(new NewTopic("work", 4, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void membersSplitPartitionsRebalanceOnLeaveAndResumeFromCommittedOffsets() throws Exception {
        produce(0, 100);
        Set<String> seen = new HashSet<>();
        try (KafkaConsumer<String, String> a = consumer(); KafkaConsumer<String, String> b = consumer()) {
            a.subscribe(List.of("work"));
            b.subscribe(List.of("work"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // Until each member owns two partitions and has read them to the end (a member that
            // got its partitions in a second rebalance re-reads what the first owner read).
            while (!(caughtUp(a) && caughtUp(b)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : a.poll(Duration.ofMillis(200))) seen.add(r.value());
                for (ConsumerRecord<String, String> r : b.poll(Duration.ofMillis(200))) seen.add(r.value());
            }
            assertThat(seen).hasSize(100);
            assertThat(a.assignment()).hasSize(2).doesNotContainAnyElementsOf(b.assignment());
            assertThat(b.assignment()).hasSize(2);
            a.commitSync(Duration.ofSeconds(10));
            b.commitSync(Duration.ofSeconds(10));

            try (Admin admin = admin()) {
                assertThat(admin.listGroups().all().get(20, TimeUnit.SECONDS))
                        .extracting(GroupListing::groupId).contains("g");
                ConsumerGroupDescription g = admin.describeConsumerGroups(List.of("g")).all()
                        .get(20, TimeUnit.SECONDS).get("g");
                assertThat(g.members()).hasSize(2);
                assertThat(g.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata()
                        .get(20, TimeUnit.SECONDS)).hasSize(4);
            }
        }

        produce(100, 20);
        List<String> resumed = new ArrayList<>();
        try (KafkaConsumer<String, String> c = consumer()) {
            c.subscribe(List.of("work"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (resumed.size() < 20 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) resumed.add(r.value());
            }
            assertThat(c.assignment()).hasSize(4);
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new HashSet<>(c.assignment()), Duration.ofSeconds(10));
            assertThat(committed.values()).allSatisfy(o -> assertThat(o).isNotNull());
        }
        assertThat(resumed).hasSize(20).allSatisfy(v -> assertThat(Integer.parseInt(v.substring(1))).isGreaterThanOrEqualTo(100));

        try (Admin admin = admin()) {
            admin.deleteConsumerGroups(List.of("g")).all().get(20, TimeUnit.SECONDS);
            assertThat(admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata()
                    .get(20, TimeUnit.SECONDS)).isEmpty();
            // The offsets topic is compacted, as Kafka's (with delete retention until offsets expire per group).
            org.apache.kafka.common.config.ConfigResource offsets = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "__consumer_offsets");
            assertThat(admin.describeConfigs(List.of(offsets)).all().get(20, TimeUnit.SECONDS).get(offsets)
                    .get("cleanup.policy").value()).isEqualTo("compact,delete");
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }

    private static boolean caughtUp(KafkaConsumer<String, String> consumer) {
        Set<TopicPartition> owned = consumer.assignment();
        return owned.size() == 2 && owned.stream().allMatch(tp -> consumer.position(tp, Duration.ofSeconds(10)) == 25);
    }

    private void produce(int from, int count) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = from; i < from + count; i++) producer.send(new ProducerRecord<>("work", i % 4, null, "m" + i));
            producer.flush();
        }
    }

    private KafkaConsumer<String, String> consumer() {
        Map<String, Object> config = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "g",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 20_000);
        return new KafkaConsumer<>(config);
    }
}
