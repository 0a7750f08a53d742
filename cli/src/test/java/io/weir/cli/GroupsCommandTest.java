package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weir groups list} and {@code weir groups describe G} against a real node, for a classic
 * group and a KIP-848 group with real consumers: members, their partitions, and per partition
 * the committed offset, the log end offset and the lag.
 */
class GroupsCommandTest {
    @TempDir
    Path dir;
    private WeirNode node;

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: cli-groups
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
            admin.createTopics(List.of(new NewTopic("work", 2, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("work", i % 2, null, "m" + i));
        }
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void listsAndDescribesClassicAndConsumerGroupsWithLagPerPartition() throws Exception {
        try (KafkaConsumer<String, String> classic = consumer("classic-g", "classic");
             KafkaConsumer<String, String> modern = consumer("modern-g", "consumer")) {
            for (KafkaConsumer<String, String> c : List.of(classic, modern)) {
                c.subscribe(List.of("work"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int read = 0;
                while (read < 10 && System.nanoTime() < deadline) read += c.poll(Duration.ofMillis(200)).count();
                assertThat(read).isEqualTo(10);
            }
            // classic-g commits 3 of partition 0's 5 records; modern-g everything it read.
            classic.commitSync(Map.of(new org.apache.kafka.common.TopicPartition("work", 0),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(3)), Duration.ofSeconds(20));
            modern.commitSync(Duration.ofSeconds(20));

            String list = run("groups", "list", "-b", node.bootstrapServers());
            assertThat(list).containsPattern("classic-g\\s+Classic\\s+Stable\\s+consumer")
                    .containsPattern("modern-g\\s+Consumer\\s+Stable");

            String classicOut = run("groups", "describe", "classic-g", "-b", node.bootstrapServers());
            assertThat(classicOut).contains("Type: Classic", "State: Stable", "Assignor: range")
                    .containsPattern("work\\s+0\\s+3\\s+5\\s+2\\s+consumer-classic-g")
                    .containsPattern("work\\s+1\\s+-\\s+5\\s+-\\s+consumer-classic-g")
                    .contains("work-0,work-1");
            String modernOut = run("groups", "describe", "modern-g", "-b", node.bootstrapServers());
            assertThat(modernOut).contains("Type: Consumer", "State: Stable", "Assignor: uniform", "Epoch: ")
                    .containsPattern("work\\s+0\\s+5\\s+5\\s+0\\s+\\S+")
                    .containsPattern("work\\s+1\\s+5\\s+5\\s+0\\s+\\S+");
        }
    }

    private static String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            assertThat(new CommandLine(new WeirCli()).execute(args)).isZero();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
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
        if (protocol.equals("classic")) config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.RangeAssignor.class.getName());
        return new KafkaConsumer<>(config);
    }
}
