package io.weir.broker.node;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A node stopped and started on the same data directory keeps its topics, records and committed offsets. */
class RestartTest {
    @TempDir
    Path dir;

    @Test
    void topicsAndRecordsSurviveARestart() throws Exception {
        int kafkaPort = freePort();
        int quorumPort = freePort();
        NodeConfig config = NodeConfig.parse("""
                node.id: 1
                cluster.id: restart
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:%d
                coordination:
                  backend: ratis
                  voters:
                    - {id: 1, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}
                broker.heartbeat.interval.ms: 200
                """.formatted(dir.resolve("node-1"), kafkaPort, quorumPort, kafkaPort));

        try (WeirNode node = WeirNode.start(config)) {
            node.awaitReady(Duration.ofSeconds(60));
            try (Admin admin = admin(node)) {
                admin.createTopics(List.of(new NewTopic("durable", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>("durable", i % 2, null, "r" + i));
                producer.flush();
            }
            try (Admin admin = admin(node)) {
                // Committed through the group coordinator into __consumer_offsets.
                admin.alterConsumerGroupOffsets("readers", Map.of(new TopicPartition("durable", 0),
                        new OffsetAndMetadata(7), new TopicPartition("durable", 1), new OffsetAndMetadata(9)))
                        .all().get(30, TimeUnit.SECONDS);
            }
        }

        try (WeirNode node = WeirNode.start(config)) {
            node.awaitReady(Duration.ofSeconds(60));
            try (Admin admin = admin(node)) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("durable");
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("readers")
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertThat(committed.get(new TopicPartition("durable", 0)).offset()).isEqualTo(7);
                assertThat(committed.get(new TopicPartition("durable", 1)).offset()).isEqualTo(9);
            }
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                    ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
                List<TopicPartition> partitions = List.of(new TopicPartition("durable", 0), new TopicPartition("durable", 1));
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (values.size() < 20 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
                }
            }
            assertThat(values).hasSize(20);
        }
    }

    private static Admin admin(WeirNode node) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
