package io.weir.broker.node;

import io.weir.broker.testing.KafkaTool;
import kafka.admin.ConfigCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DeleteTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ThrottlingQuotaExceededException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * {@code request_percentage} (KIP-124) and {@code controller_mutation_rate} (KIP-599) with
 * Kafka's own tools, set with ConfigCommand: a real producer over its share of a thread sees
 * throttle times, and a real Admin client over its mutation rate has its CreateTopics refused
 * THROTTLING_QUOTA_EXCEEDED, while other clients are not.
 */
class RequestAndMutationQuotasTest {
    @TempDir
    Path dir;
    private WeirNode node;

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: mutations
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                broker.heartbeat.interval.ms: 100
                """.formatted(dir.resolve("node-1"))));
        node.awaitReady(Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        if (node != null) node.close();
    }

    @Test
    void anAdminOverItsMutationRateIsRefusedWithThrottlingQuotaExceeded() throws Exception {
        KafkaTool alter = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", node.bootstrapServers(),
                "--alter", "--add-config", "controller_mutation_rate=1", "--entity-type", "clients",
                "--entity-name", "creator");
        assertThat(alter.exitCode()).as(alter.errors()).isZero();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            KafkaTool describe = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", node.bootstrapServers(),
                    "--describe", "--entity-type", "clients", "--entity-name", "creator");
            assertThat(describe.output()).contains("Quota configs for client-id 'creator' are controller_mutation_rate=1.0");
        });

        try (Admin creator = admin("creator"); Admin other = admin("other")) {
            CreateTopicsOptions noRetry = new CreateTopicsOptions().retryOnQuotaViolation(false);
            // 11 s of credit at 1 partition/s: 20 partitions are admitted and leave 9 in debt.
            creator.createTopics(List.of(new NewTopic("first", 20, (short) 1)), noRetry).all().get(30, TimeUnit.SECONDS);

            Throwable refused = catchThrowable(() -> creator.createTopics(List.of(new NewTopic("second", 1, (short) 1)),
                    noRetry).all().get(30, TimeUnit.SECONDS));
            assertThat(refused).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(ThrottlingQuotaExceededException.class);
            assertThat(((ThrottlingQuotaExceededException) refused.getCause()).throttleTimeMs()).isPositive();

            // The client waits out the throttle of the refusal before it sends again (KIP-219), by
            // when the debt is paid: its next mutation is admitted.
            creator.deleteTopics(List.of("first"), new DeleteTopicsOptions().retryOnQuotaViolation(false))
                    .all().get(30, TimeUnit.SECONDS);

            other.createTopics(List.of(new NewTopic("third", 30, (short) 1)), noRetry).all().get(30, TimeUnit.SECONDS);
            assertThat(other.listTopics().names().get(30, TimeUnit.SECONDS)).contains("third")
                    .doesNotContain("first", "second");
        }
    }

    @Test
    void aProducerOverItsRequestPercentageIsThrottled() throws Exception {
        try (Admin setup = admin("setup")) {
            setup.createTopics(List.of(new NewTopic("requests", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        // 0.01 % of a thread: 1 ms of handler time per 10 s window, spent by the first few requests.
        KafkaTool alter = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", node.bootstrapServers(),
                "--alter", "--add-config", "request_percentage=0.01", "--entity-type", "clients", "--entity-name", "busy");
        assertThat(alter.exitCode()).as(alter.errors()).isZero();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            KafkaTool describe = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", node.bootstrapServers(),
                    "--describe", "--entity-type", "clients", "--entity-name", "busy");
            assertThat(describe.output()).contains("Quota configs for client-id 'busy' are request_percentage=0.01");
        });

        try (KafkaProducer<byte[], byte[]> busy = producer("busy"); KafkaProducer<byte[], byte[]> calm = producer("calm")) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                busy.send(new ProducerRecord<>("requests", new byte[100])).get(30, TimeUnit.SECONDS);
                calm.send(new ProducerRecord<>("requests", new byte[100])).get(30, TimeUnit.SECONDS);
                assertThat(throttleMax(busy)).as("busy's produce-throttle-time-max").isPositive();
            });
            assertThat(throttleMax(calm)).as("calm's produce-throttle-time-max").isZero();
        }
    }

    private static double throttleMax(KafkaProducer<byte[], byte[]> producer) {
        return producer.metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals("producer-metrics") && e.getKey().name().equals("produce-throttle-time-max"))
                .mapToDouble(e -> {
                    Object value = e.getValue().metricValue();
                    return value instanceof Double d && !d.isNaN() ? d : 0.0;
                })
                .findFirst().orElseThrow();
    }

    private KafkaProducer<byte[], byte[]> producer(String clientId) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, clientId, ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    private Admin admin(String clientId) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, clientId));
    }
}
