package io.weir.broker.group;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.KafkaTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka 4.3.1's {@code kafka-consumer-groups.sh} ({@link ConsumerGroupCommand}, run in-process)
 * against a node with a classic group and a KIP-848 group of two real consumers each:
 * {@code --list}, {@code --describe} with lag, {@code --describe --members} and
 * {@code --describe --state}; and, on groups whose consumers have left, {@code --reset-offsets}
 * ({@code --to-earliest}, {@code --to-offset}, {@code --shift-by}), {@code --delete-offsets} and
 * {@code --delete} (refused for a group with members).
 */
class ConsumerGroupCommandTest {
    @TempDir
    Path dir;
    private WeirNode node;

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: group-tool
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                group.initial.rebalance.delay.ms: 0
                group.consumer.heartbeat.interval.ms: 500
                """.formatted(dir.resolve("node-1"))));
        node.awaitReady(Duration.ofSeconds(30));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("work", 4, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < 40; i++) producer.send(new ProducerRecord<>("work", i % 4, null, "m" + i));
        }
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void listDescribeMembersAndStateWorkForClassicAndConsumerGroups() {
        List<KafkaConsumer<String, String>> consumers = new ArrayList<>();
        try {
            for (String protocol : List.of("classic", "consumer")) {
                String group = protocol + "-g";
                List<KafkaConsumer<String, String>> members = List.of(consumer(group, protocol), consumer(group, protocol));
                consumers.addAll(members);
                members.forEach(c -> c.subscribe(List.of("work")));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int read = 0;
                while ((read < 40 || !members.stream().allMatch(c -> c.assignment().size() == 2))
                        && System.nanoTime() < deadline) {
                    for (KafkaConsumer<String, String> c : members) read += c.poll(Duration.ofMillis(100)).count();
                }
                assertThat(members).allSatisfy(c -> assertThat(c.assignment()).hasSize(2));
                // Commit 5 of each partition's 10 records: a lag of 5 everywhere.
                for (KafkaConsumer<String, String> c : members) {
                    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> half =
                            new HashMap<>();
                    c.assignment().forEach(tp -> half.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(5)));
                    c.commitSync(half, Duration.ofSeconds(20));
                }
            }

            KafkaTool list = tool("--list");
            assertThat(list.exitCode()).isZero();
            assertThat(list.output().lines()).contains("classic-g", "consumer-g");

            for (String group : List.of("classic-g", "consumer-g")) {
                KafkaTool describe = tool("--describe", "--group", group);
                assertThat(describe.exitCode()).as(describe.errors()).isZero();
                for (int p = 0; p < 4; p++) {
                    assertThat(describe.output()).containsPattern(group + "\\s+work\\s+" + p + "\\s+5\\s+10\\s+5\\s+\\S+");
                }

                KafkaTool members = tool("--describe", "--group", group, "--members", "--verbose");
                assertThat(members.exitCode()).as(members.errors()).isZero();
                // Per member: group, member id, host, client id, #PARTITIONS 2. (Matched by pattern, not
                // line by line: a log line of another thread may land in the middle of the captured output.)
                assertThat(java.util.regex.Pattern.compile("(?m)^" + group + "\\s+\\S+\\s+/127\\.0\\.0\\.1\\s+\\S+\\s+2\\s")
                        .matcher(members.output()).results().count()).isEqualTo(2);
                assertThat(members.output()).contains("work:0,1", "work:2,3");

                KafkaTool state = tool("--describe", "--group", group, "--state");
                assertThat(state.exitCode()).as(state.errors()).isZero();
                assertThat(state.output()).containsPattern(group + "\\s+\\S+:\\d+\\s+\\(1\\)\\s+"
                        + (group.equals("classic-g") ? "range" : "uniform") + "\\s+Stable\\s+2");
            }
        } finally {
            consumers.forEach(c -> c.close(Duration.ofSeconds(5)));
        }
    }

    @Test
    void resetDeleteOffsetsAndDeleteChangeWhatIsCommitted() throws Exception {
        for (String protocol : List.of("classic", "consumer")) {
            String group = protocol + "-reset";
            // A consumer reads everything and commits the end (10 per partition), then leaves: the group is empty.
            try (KafkaConsumer<String, String> c = consumer(group, protocol)) {
                c.subscribe(List.of("work"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int read = 0;
                while (read < 40 && System.nanoTime() < deadline) read += c.poll(Duration.ofMillis(100)).count();
                assertThat(read).isEqualTo(40);
                c.commitSync(Duration.ofSeconds(20));
            }
            assertThat(committed(group)).containsOnly(Map.entry(0, 10L), Map.entry(1, 10L), Map.entry(2, 10L),
                    Map.entry(3, 10L));

            assertThat(tool("--reset-offsets", "--group", group, "--topic", "work", "--to-earliest", "--execute")
                    .exitCode()).isZero();
            assertThat(committed(group).values()).containsOnly(0L);

            assertThat(tool("--reset-offsets", "--group", group, "--topic", "work:0,1", "--to-offset", "7", "--execute")
                    .exitCode()).isZero();
            assertThat(committed(group)).containsOnly(Map.entry(0, 7L), Map.entry(1, 7L), Map.entry(2, 0L),
                    Map.entry(3, 0L));

            assertThat(tool("--reset-offsets", "--group", group, "--topic", "work", "--shift-by", "3", "--execute")
                    .exitCode()).isZero();
            assertThat(committed(group)).containsOnly(Map.entry(0, 10L), Map.entry(1, 10L), Map.entry(2, 3L),
                    Map.entry(3, 3L));

            KafkaTool deleteOffsets = tool("--delete-offsets", "--group", group, "--topic", "work:2");
            assertThat(deleteOffsets.output()).contains("Request succeeded for deleting offsets from group " + group);
            assertThat(committed(group)).containsOnlyKeys(0, 1, 3);

            KafkaTool delete = tool("--delete", "--group", group);
            assertThat(delete.output()).contains("Deletion of requested consumer groups ('" + group + "') was successful");
            assertThat(committed(group)).isEmpty();
            assertThat(tool("--list").output().lines()).doesNotContain(group);
        }
    }

    @Test
    void aGroupWithMembersIsNeitherResetNorDeleted() throws Exception {
        for (String protocol : List.of("classic", "consumer")) {
            String group = protocol + "-busy";
            try (KafkaConsumer<String, String> c = consumer(group, protocol)) {
                c.subscribe(List.of("work"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (c.assignment().size() < 4 && System.nanoTime() < deadline) c.poll(Duration.ofMillis(100));
                c.commitSync(Map.of(new org.apache.kafka.common.TopicPartition("work", 0),
                        new org.apache.kafka.clients.consumer.OffsetAndMetadata(4)), Duration.ofSeconds(20));

                KafkaTool reset = tool("--reset-offsets", "--group", group, "--topic", "work", "--to-earliest",
                        "--execute");
                assertThat(reset.output()).contains("Assignments can only be reset if the group '" + group
                        + "' is inactive");
                KafkaTool delete = tool("--delete", "--group", group);
                assertThat(delete.output()).contains("* Group '" + group + "' could not be deleted due to:",
                        "GroupNotEmptyException");
                assertThat(tool("--list").output().lines()).contains(group);
                assertThat(committed(group)).containsOnly(Map.entry(0, 4L));
            }
        }
    }

    /** The group's committed offsets of topic "work", by partition, as the admin client reads them. */
    private Map<Integer, Long> committed(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()))) {
            Map<Integer, Long> out = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS)
                    .forEach((tp, o) -> {
                        if (o != null && tp.topic().equals("work")) out.put(tp.partition(), o.offset());
                    });
            return out;
        }
    }

    private KafkaTool tool(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", node.bootstrapServers()));
        all.addAll(List.of(args));
        return KafkaTool.run(ConsumerGroupCommand::main, all.toArray(new String[0]));
    }

    private KafkaConsumer<String, String> consumer(String group, String protocol) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        if (protocol.equals("classic")) {
            config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    org.apache.kafka.clients.consumer.RangeAssignor.class.getName());
        }
        return new KafkaConsumer<>(config);
    }
}
