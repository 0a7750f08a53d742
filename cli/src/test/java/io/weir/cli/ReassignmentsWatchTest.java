package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weir reassignments --watch} against a live move: two nodes, a 3 MiB partition on node 1
 * copied into node 2 under a 150 KiB/s follower throttle, so the move lasts about ten seconds. The
 * watch shows the partition part-way (bytes copied and bytes left both above zero), then says no
 * reassignment is left, and exits 0 once node 2 holds the whole log.
 */
class ReassignmentsWatchTest {
    private static final int RECORD_BYTES = 1024;
    private static final int RECORDS = 3 * 1024;
    /**
     * Like Kafka's, the quota's rate divides by at least ten seconds, so the first 1.5 MiB go at
     * once (two 1 MiB fetches); the rest waits for them to leave the 11 s window.
     */
    private static final int THROTTLE = 150 * 1024;
    private static final Pattern PARTIAL = Pattern.compile(
            "1 partition\\(s\\) moving: (?!0 B)[\\d.]+ \\S+ copied, (?!0 B)[\\d.]+ \\S+ left");

    @TempDir
    Path dir;

    private final List<WeirNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(WeirNode::close);
    }

    @Test
    void watchFollowsAThrottledMoveFromPartialToDone() throws Exception {
        int[] kafka = {freePort(), freePort()};
        int[] quorum = {freePort(), freePort()};
        String voters = """
                    - {id: 1, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}
                    - {id: 2, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}
                """.formatted(quorum[0], kafka[0], quorum[1], kafka[1]);
        for (int id = 1; id <= 2; id++) {
            nodes.add(WeirNode.start(NodeConfig.parse("""
                    node.id: %d
                    cluster.id: cli-reassignments
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                      voters:
                    %s
                    broker.heartbeat.interval.ms: 200
                    auto.balance.enable: false
                    follower.replication.throttled.rate: %d
                    """.formatted(id, dir.resolve("node-" + id), kafka[id - 1], voters, THROTTLE))));
        }
        for (WeirNode node : nodes) node.awaitReady(Duration.ofSeconds(60));
        String bootstrap = "127.0.0.1:" + kafka[0] + ",127.0.0.1:" + kafka[1];
        TopicPartition tp = new TopicPartition("moving", 0);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            admin.createTopics(List.of(new NewTopic("moving", Map.of(0, List.of(1))))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                    ProducerConfig.LINGER_MS_CONFIG, 20,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000))) {
                byte[] value = new byte[RECORD_BYTES];
                for (int i = 0; i < RECORDS; i++) producer.send(new ProducerRecord<>("moving", 0, null, value));
                producer.flush();
            }
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1, 2)))))
                    .all().get(30, TimeUnit.SECONDS);

            Result watch = run("reassignments", "--watch", "--plain", "--interval", "PT0.5S", "--timeout", "PT3M",
                    "-b", bootstrap);

            assertThat(watch.code()).as(watch.out()).isZero();
            assertThat(watch.out()).as("the table of the first sample").containsPattern("moving-0 +1 +1,2 +2 +- ");
            java.util.regex.Matcher partial = PARTIAL.matcher(watch.out());
            assertThat(partial.find()).as("a sample part-way through:%n%s", watch.out()).isTrue();
            assertThat(watch.out().indexOf("No reassignment in progress.", partial.end())).as("then done:%n%s", watch.out())
                    .isPositive();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.describeTopics(List.of("moving"))
                    .allTopicNames().get(10, TimeUnit.SECONDS).get("moving").partitions().get(0).isr()).hasSize(2));
        }
    }

    private record Result(int code, String out) {
    }

    private static Result run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            code = new CommandLine(new WeirCli()).execute(args);
        } finally {
            System.setOut(original);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
