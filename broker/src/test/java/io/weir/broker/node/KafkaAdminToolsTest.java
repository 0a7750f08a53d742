package io.weir.broker.node;

import io.weir.broker.testing.FreePorts;
import io.weir.broker.testing.KafkaTool;
import io.weir.controller.config.TopicConfigs;
import kafka.admin.ConfigCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.tools.DeleteRecordsCommand;
import org.apache.kafka.tools.FeatureCommand;
import org.apache.kafka.tools.TopicCommand;
import org.apache.kafka.tools.TransactionsCommand;
import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka's admin tools a new user reaches for first (kafka-topics.sh, kafka-configs.sh, ...), run
 * in-process from Apache Kafka 4.3.1's own classes against three Weir nodes, work unchanged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaAdminToolsTest {
    @TempDir
    static Path dir;
    private final List<WeirNode> nodes = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        int[] kafkaPorts = FreePorts.take(3);
        int[] quorumPorts = FreePorts.take(3);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
        }
        for (int i = 0; i < 3; i++) {
            nodes.add(WeirNode.start(NodeConfig.parse("""
                    node.id: %d
                    cluster.id: admin-tools
                    data.dir: %s
                    rack: rack-%d
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                      voters:
                    %s
                    broker.heartbeat.interval.ms: 200
                    broker.session.timeout.ms: 4000
                    group.initial.rebalance.delay.ms: 0
                    """.formatted(i + 1, dir.resolve("node-" + (i + 1)), i + 1, kafkaPorts[i], voters))));
        }
        for (WeirNode node : nodes) node.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    void stopCluster() {
        nodes.forEach(WeirNode::close);
    }

    @Test
    void topicsCommandCreatesATopicWithKafkasStandardConfigsAndConfigsCommandDescribesThemAll() throws Exception {
        KafkaTool create = KafkaTool.run(TopicCommand::main, "--bootstrap-server", bootstrap(), "--create",
                "--topic", "framework", "--partitions", "2", "--replication-factor", "3",
                "--config", "segment.bytes=104857600", "--config", "segment.ms=600000",
                "--config", "compression.type=lz4", "--config", "min.cleanable.dirty.ratio=0.1",
                "--config", "retention.ms=3600000");
        assertThat(create.exitCode()).as(create.output()).isZero();
        assertThat(create.output()).contains("Created topic framework.");

        KafkaTool describe = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                "--entity-type", "topics", "--entity-name", "framework", "--describe", "--all");
        assertThat(describe.exitCode()).as(describe.output()).isZero();
        assertThat(describe.output()).contains("All configs for topic framework are:")
                .contains("segment.bytes=104857600 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:segment.bytes=104857600, "
                        + "DEFAULT_CONFIG:log.segment.bytes=1073741824}")
                .contains("segment.ms=600000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:segment.ms=600000, "
                        + "DEFAULT_CONFIG:log.roll.ms=604800000}")
                .contains("min.cleanable.dirty.ratio=0.1 sensitive=false")
                .contains("retention.ms=3600000 sensitive=false")
                .contains("flush.messages=9223372036854775807 sensitive=false synonyms={DEFAULT_CONFIG:"
                        + "log.flush.interval.messages=9223372036854775807}");
        // Every topic config Kafka defines is listed, set or not.
        for (String name : TopicConfigs.all().keySet()) {
            assertThat(describe.output()).contains("  " + name + "=");
        }

        // Altered with the same tool, whichever node it reaches (the admin client sends topic config
        // changes to any broker, which forwards them to the active controller); a value Kafka
        // refuses is refused, saying why.
        KafkaTool alter = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                "--entity-type", "topics", "--entity-name", "framework", "--alter",
                "--add-config", "segment.bytes=2097152,message.timestamp.after.max.ms=60000",
                "--delete-config", "compression.type");
        assertThat(alter.exitCode()).as(alter.output()).isZero();
        assertThat(alter.output()).contains("Completed updating config for topic framework.");
        KafkaTool refused = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                "--entity-type", "topics", "--entity-name", "framework", "--alter", "--add-config", "segment.bytes=10");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.errors()).contains("segment.bytes=10: must be at least 1048576");

        try (Admin admin = admin()) {
            TopicDescription described = admin.describeTopics(List.of("framework")).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get("framework");
            assertThat(described.partitions()).hasSize(2);
            Map<String, String> configs = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "framework")))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next().entries().stream()
                    .collect(Collectors.toMap(e -> e.name(), e -> e.value()));
            assertThat(configs).containsEntry("segment.bytes", "2097152")
                    .containsEntry("message.timestamp.after.max.ms", "60000")
                    .containsEntry("compression.type", "producer");
        }
    }

    @Test
    void configsCommandDescribesEveryBrokerConfigWithItsSource() {
        KafkaTool describe = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                "--entity-type", "brokers", "--entity-name", "2", "--describe", "--all");
        assertThat(describe.exitCode()).as(describe.output()).isZero();
        WeirNode two = nodes.get(1);
        assertThat(describe.output()).contains("All configs for broker 2 are:")
                .contains("  node.id=2 sensitive=false synonyms={STATIC_BROKER_CONFIG:node.id=2}")
                .contains("  listeners=PLAINTEXT://" + two.bootstrapServers() + " sensitive=false")
                .contains("  log.dirs=" + dir.resolve("node-2").resolve("logs").toAbsolutePath() + " sensitive=false")
                .contains("  controller.quorum.voters=1@127.0.0.1:")
                .contains("  broker.rack=rack-2 sensitive=false synonyms={STATIC_BROKER_CONFIG:broker.rack=rack-2}")
                // Set in the node file to something else than the default: static.
                .contains("  broker.session.timeout.ms=4000 sensitive=false synonyms={STATIC_BROKER_CONFIG:"
                        + "broker.session.timeout.ms=4000, DEFAULT_CONFIG:broker.session.timeout.ms=3000}")
                // Left at the default.
                .contains("  num.partitions=1 sensitive=false synonyms={DEFAULT_CONFIG:num.partitions=1}")
                .contains("  auto.create.topics.enable=true sensitive=false synonyms={DEFAULT_CONFIG:")
                // The broker-wide defaults of topic configs, under their broker names.
                .contains("  log.retention.ms=604800000 sensitive=false synonyms={DEFAULT_CONFIG:log.retention.ms=604800000}")
                .contains("  log.segment.bytes=1073741824 sensitive=false")
                .contains("  message.max.bytes=1048588 sensitive=false");

        // Without --all, as against Kafka: only what is set dynamically (nothing).
        KafkaTool dynamic = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                "--entity-type", "brokers", "--entity-name", "2", "--describe");
        assertThat(dynamic.exitCode()).as(dynamic.output()).isZero();
        assertThat(dynamic.output()).contains("Dynamic configs for broker 2 are:").doesNotContain("node.id=");
    }

    @Test
    void consumerGroupsCommandDeletesOffsetsOfTopicsTheGroupDoesNotConsume() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("consumed", 1, (short) 3), new NewTopic("abandoned", 1, (short) 3)))
                    .all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin, "consumed");
            awaitFullIsr(admin, "abandoned");
        }
        TopicPartition consumed = new TopicPartition("consumed", 0);
        TopicPartition abandoned = new TopicPartition("abandoned", 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "deleter",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of("consumed"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200));
                return consumer.assignment().contains(consumed);
            });
            // A member may commit for partitions it does not consume (the group keeps them after
            // it stopped consuming a topic).
            consumer.commitSync(Map.of(consumed, new OffsetAndMetadata(0), abandoned, new OffsetAndMetadata(7)));

            KafkaTool refused = KafkaTool.run(ConsumerGroupCommand::main, "--bootstrap-server", bootstrap(),
                    "--group", "deleter", "--delete-offsets", "--topic", "consumed");
            assertThat(refused.output()).contains("Error: Encountered some partition-level error")
                    .containsPattern("consumed\\s+0\\s+Error: \\S+GroupSubscribedToTopicException");

            KafkaTool deleted = KafkaTool.run(ConsumerGroupCommand::main, "--bootstrap-server", bootstrap(),
                    "--group", "deleter", "--delete-offsets", "--topic", "abandoned");
            assertThat(deleted.exitCode()).as(deleted.errors()).isZero();
            assertThat(deleted.output()).contains("Request succeeded for deleting offsets from group deleter.")
                    .containsPattern("abandoned\\s+0\\s+Successful");

            try (Admin admin = admin()) {
                Map<TopicPartition, OffsetAndMetadata> left = admin.listConsumerGroupOffsets("deleter")
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertThat(left).containsOnlyKeys(consumed);
            }
        }
        // Once the group is empty, every topic's offsets can go.
        KafkaTool emptied = KafkaTool.run(ConsumerGroupCommand::main, "--bootstrap-server", bootstrap(),
                "--group", "deleter", "--delete-offsets", "--topic", "consumed");
        assertThat(emptied.exitCode()).as(emptied.errors()).isZero();
        assertThat(emptied.output()).containsPattern("consumed\\s+0\\s+Successful");
        try (Admin admin = admin()) {
            assertThat(admin.listConsumerGroupOffsets("deleter").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void deleteRecordsCommandMovesTheLogStartOffsetOnEveryReplica() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("trimmed", 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin, "trimmed");
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < 10; i++) {
                // One batch per record, so the new start falls on a batch boundary and inside none.
                producer.send(new ProducerRecord<>("trimmed", 0, null, "r" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        Path plan = dir.resolve("delete-records.json");
        Files.writeString(plan, """
                {"version": 1, "partitions": [{"topic": "trimmed", "partition": 0, "offset": 6}]}""");
        KafkaTool delete = KafkaTool.run(args -> {
            try {
                DeleteRecordsCommand.main(args);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "--bootstrap-server", bootstrap(),
                "--offset-json-file", plan.toString());
        assertThat(delete.exitCode()).as(delete.errors()).isZero();
        assertThat(delete.output()).contains("Records delete operation completed:")
                .containsPattern("partition: trimmed-0\\s+low_watermark: 6");

        TopicPartition tp = new TopicPartition("trimmed", 0);
        try (Admin admin = admin()) {
            assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp)
                    .get(30, TimeUnit.SECONDS).offset()).isEqualTo(6);
        }
        // Asking for the deleted records is out of range; earliest is the new start.
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 2);
            List<String> read = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.offset() + ":" + r.value()));
                return read.size() >= 4;
            });
            assertThat(read).containsExactly("6:r6", "7:r7", "8:r8", "9:r9");
        }
        // Followers take the leader's log start offset from its fetch answers, durably.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (int id = 1; id <= 3; id++) {
                assertThat(Files.readString(dir.resolve("node-" + id).resolve("logs").resolve("trimmed-0")
                        .resolve("partition.state"))).as("node %d", id).contains("logStartOffset=6");
            }
        });
    }

    @Test
    void featuresCommandDescribesTheFinalizedFeatures() {
        KafkaTool describe = KafkaTool.run(FeatureCommand::main, "--bootstrap-server", bootstrap(), "describe");

        assertThat(describe.exitCode()).as(describe.errors()).isZero();
        assertThat(describe.output()).containsPattern("Feature: metadata\\.version\\s+SupportedMinVersion: 4\\.3-IV0"
                + "\\s+SupportedMaxVersion: 4\\.3-IV0\\s+FinalizedVersionLevel: 4\\.3-IV0\\s+Epoch: 0");
    }

    @Test
    void transactionsCommandDescribesIdempotentProducersOnTheLeaderAndOnAFollower() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("idempotent", 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin, "idempotent");
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>("idempotent", 0, null, "r" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        int follower;
        try (Admin admin = admin()) {
            var partition = admin.describeTopics(List.of("idempotent")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("idempotent").partitions().get(0);
            follower = partition.replicas().stream().mapToInt(n -> n.id())
                    .filter(id -> id != partition.leader().id()).findFirst().orElseThrow();
        }
        // One producer, epoch 0, five single-record batches: last sequence 4; no transaction.
        String row = "\\d+\\s+0\\s+-1\\s+4\\s+\\d{13}\\s+None";
        KafkaTool leader = KafkaTool.run(this::transactions, "--bootstrap-server", bootstrap(),
                "describe-producers", "--topic", "idempotent", "--partition", "0");
        assertThat(leader.exitCode()).as(leader.errors()).isZero();
        assertThat(leader.output()).contains("ProducerId", "LastSequence").containsPattern(row);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            KafkaTool onFollower = KafkaTool.run(this::transactions, "--bootstrap-server", bootstrap(),
                    "describe-producers", "--topic", "idempotent", "--partition", "0",
                    "--broker-id", String.valueOf(follower));
            assertThat(onFollower.exitCode()).as(onFollower.errors()).isZero();
            assertThat(onFollower.output()).containsPattern(row);
        });
        KafkaTool unknown = KafkaTool.run(this::transactions, "--bootstrap-server", bootstrap(),
                "describe-producers", "--topic", "no-such-topic", "--partition", "0", "--broker-id", "1");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.errors() + unknown.output()).contains("Failed to describe producers");
    }

    @Test
    void configsCommandSetsDescribesAndDeletesClientQuotasThroughAnyNode() {
        // Each node in turn: the two that are not the active controller forward the change.
        for (int i = 0; i < nodes.size(); i++) {
            KafkaTool alter = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", nodes.get(i).bootstrapServers(),
                    "--alter", "--add-config", "producer_byte_rate=1048576,consumer_byte_rate=2097152",
                    "--entity-type", "clients", "--entity-name", "app-" + (i + 1));
            assertThat(alter.exitCode()).as(alter.errors()).isZero();
        }
        KafkaTool userDefault = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                "--alter", "--add-config", "producer_byte_rate=4096", "--entity-type", "users", "--entity-default",
                "--entity-type", "clients", "--entity-name", "batch");
        assertThat(userDefault.exitCode()).as(userDefault.errors()).isZero();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            KafkaTool all = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                    "--describe", "--entity-type", "clients");
            assertThat(all.exitCode()).as(all.errors()).isZero();
            for (int i = 1; i <= nodes.size(); i++) {
                assertThat(all.output()).containsPattern("Quota configs for client-id 'app-" + i
                        + "' are (producer_byte_rate=1048576.0, consumer_byte_rate=2097152.0"
                        + "|consumer_byte_rate=2097152.0, producer_byte_rate=1048576.0)");
            }
            KafkaTool combined = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                    "--describe", "--entity-type", "users", "--entity-default", "--entity-type", "clients",
                    "--entity-name", "batch");
            assertThat(combined.output()).contains("Quota configs for the default user-principal, client-id 'batch' "
                    + "are producer_byte_rate=4096.0");
        });

        KafkaTool invalid = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                "--alter", "--add-config", "connection_creation_rate=5", "--entity-type", "clients", "--entity-name", "x");
        assertThat(invalid.exitCode()).isNotZero();
        assertThat(invalid.errors() + invalid.output()).contains("connection_creation_rate");
        KafkaTool ip = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                "--alter", "--add-config", "connection_creation_rate=5", "--entity-type", "ips", "--entity-name", "10.0.0.1");
        assertThat(ip.exitCode()).as(ip.errors()).isZero();

        KafkaTool delete = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                "--alter", "--delete-config", "producer_byte_rate", "--entity-type", "clients", "--entity-name", "app-1");
        assertThat(delete.exitCode()).as(delete.errors()).isZero();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            KafkaTool one = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", bootstrap(),
                    "--describe", "--entity-type", "clients", "--entity-name", "app-1");
            assertThat(one.output()).contains("Quota configs for client-id 'app-1' are consumer_byte_rate=2097152.0");
        });
    }

    private void transactions(String[] args) {
        try {
            TransactionsCommand.main(args);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- helpers ----

    private String bootstrap() {
        return nodes.stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static void awaitFullIsr(Admin admin, String topic) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> admin.describeTopics(List.of(topic))
                .allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                .stream().allMatch(p -> p.leader() != null && p.isr().size() == p.replicas().size()));
    }
}
