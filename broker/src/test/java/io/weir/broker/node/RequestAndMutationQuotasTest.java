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
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
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
 * THROTTLING_QUOTA_EXCEEDED, and a second connection from an address over its
 * {@code connection_creation_rate} (KIP-612) is held and closed, while other clients are not.
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
                quota.window.num: 2
                quota.window.size.seconds: 1
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

    @Test
    void aSecondConnectionFromARateLimitedAddressIsHeldThenClosed() throws Exception {
        // 127.0.0.2 and 127.0.0.3 are this host too; the node's own connections come from 127.0.0.1.
        KafkaTool alter = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", node.bootstrapServers(),
                "--alter", "--add-config", "connection_creation_rate=1", "--entity-type", "ips", "--entity-name", "127.0.0.2");
        assertThat(alter.exitCode()).as(alter.errors()).isZero();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            KafkaTool describe = KafkaTool.run(ConfigCommand::main, "--bootstrap-server", node.bootstrapServers(),
                    "--describe", "--entity-type", "ips", "--entity-name", "127.0.0.2");
            assertThat(describe.output()).contains("connection_creation_rate=1.0");
        });
        // One connection a second with 1 s of credit: of two opened at once, one is served and the
        // other is not. Which one is up to the node: it may take the two up in either order.
        try (Socket first = connectFrom("127.0.0.2"); Socket second = connectFrom("127.0.0.2");
             Socket elsewhere = connectFrom("127.0.0.3")) {
            boolean firstAnswered = answersApiVersions(first);
            boolean secondAnswered = answersApiVersions(second);
            assertThat(List.of(firstAnswered, secondAnswered)).as("one served, one held unread, then closed")
                    .containsExactlyInAnyOrder(true, false);
            assertThat(answersApiVersions(elsewhere)).as("another address").isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            try (Socket later = connectFrom("127.0.0.2")) {
                assertThat(answersApiVersions(later)).as("once the address is within its rate again").isTrue();
            }
        });
    }

    private Socket connectFrom(String address) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(address, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", node.kafkaPort()), 10_000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    /** Sends ApiVersions; true if answered, false if the node closes the connection instead. */
    private static boolean answersApiVersions(Socket socket) throws IOException {
        ByteBuffer request = new ApiVersionsRequest.Builder().build((short) 3)
                .serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "probe", 1));
        byte[] bytes = new byte[request.remaining()];
        request.get(bytes);
        try {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            return new DataInputStream(socket.getInputStream()).readInt() > 0;
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException closed) {
            return false;
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
