package io.weir.broker.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.broker.testing.FreePorts;
import io.weir.broker.testing.KafkaTool;
import io.weir.broker.testing.ReadBack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterPartitionReassignmentsOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.tools.LeaderElectionCommand;
import org.apache.kafka.tools.LogDirsCommand;
import org.apache.kafka.tools.reassign.ReassignPartitionsCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Apache Kafka's own command-line tools, run in-process from the {@code kafka-tools} artifact
 * against three Weir nodes on a Ratis quorum, work unchanged: what they print is what they
 * print against Kafka, and the cluster ends up as they say. The automatic balancer is off: the
 * tests pin placements to see what the tools do, and the balancer would rightly even them out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaToolsTest {
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    private final List<String> configs = new ArrayList<>();
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
            configs.add("""
                    node.id: %d
                    cluster.id: tools
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
                    auto.balance.enable: false
                    """.formatted(i + 1, dataDir(i + 1), kafkaPorts[i], voters));
            nodes.add(WeirNode.start(NodeConfig.parse(configs.get(i))));
        }
        for (WeirNode node : nodes) node.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    void stopCluster() {
        nodes.forEach(WeirNode::close);
    }

    @Test
    void reassignPartitionsCommandMovesReplicasVerifiesCompletionAndTheOldReplicasLogsAreDeleted() throws Exception {
        String topic = "moving";
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2), 1, List.of(2, 3)))))
                    .all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin, topic);
        }
        Map<Integer, List<String>> acked = produce(topic, 2, 200);
        assertThat(logDir(1, topic, 0)).isDirectory();
        assertThat(logDir(2, topic, 1)).isDirectory();

        Path plan = dir.resolve("reassignment.json");
        Files.writeString(plan, """
                {"version": 1, "partitions": [
                  {"topic": "moving", "partition": 0, "replicas": [3, 2]},
                  {"topic": "moving", "partition": 1, "replicas": [1, 3]}
                ]}""");
        KafkaTool execute = run(ReassignPartitionsCommand::main, "--bootstrap-server", bootstrap(),
                "--reassignment-json-file", plan.toString(), "--execute");
        assertThat(execute.exitCode()).as(execute.output()).isZero();
        assertThat(execute.output()).contains("Current partition replica assignment")
                .contains("Successfully started partition reassignments for moving-0,moving-1");

        KafkaTool verify = await().atMost(TOOL_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> run(ReassignPartitionsCommand::main, "--bootstrap-server", bootstrap(),
                        "--reassignment-json-file", plan.toString(), "--verify"),
                        t -> t.output().contains("Reassignment of partition moving-1 is completed.")
                                && t.output().contains("Reassignment of partition moving-0 is completed."));
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).contains("Clearing broker-level throttles on brokers 1,2,3")
                .contains("Clearing topic-level throttles on topic moving");

        try (Admin admin = admin()) {
            assertThat(admin.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS)).isEmpty();
            TopicDescription moved = describe(admin, topic);
            assertThat(replicas(moved.partitions().get(0))).containsExactly(3, 2);
            assertThat(replicas(moved.partitions().get(1))).containsExactly(1, 3);
        }
        // Each node deletes a replica's log once the image without it reaches that node.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(logDir(1, topic, 0)).doesNotExist();
            assertThat(logDir(2, topic, 1)).doesNotExist();
        });
        assertThat(logDir(3, topic, 0)).isDirectory();
        assertThat(logDir(1, topic, 1)).isDirectory();

        Map<Integer, List<String>> read = ReadBack.values(bootstrap(), topic, 2, acked, TOOL_TIMEOUT);
        for (Map.Entry<Integer, List<String>> e : acked.entrySet()) {
            assertThat(read.get(e.getKey())).as("partition %d", e.getKey()).containsExactlyElementsOf(e.getValue());
        }
    }

    @Test
    void aReassignmentThatCannotFinishIsListedAndCancelledWithTheReassignmentTool() throws Exception {
        String topic = "stuck";
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2))))).all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin, topic);
            // KIP-860: a request that does not allow it cannot change the replication factor.
            assertThatThrownBy(() -> admin.alterPartitionReassignments(
                            Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1, 2, 3)))),
                            new AlterPartitionReassignmentsOptions().allowReplicationFactorChange(false))
                    .all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(InvalidReplicationFactorException.class);
        }
        produce(topic, 1, 20);

        // Node 3 is down (registered, fenced), so a move onto it cannot complete.
        WeirNode stopped = nodes.get(2);
        stopped.close();
        try {
            try (Admin admin = admin(nodes.get(0), nodes.get(1))) {
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                    admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1, 3)))))
                            .all().get(10, TimeUnit.SECONDS);
                    return true;
                });
                String bootstrap = nodes.get(0).bootstrapServers() + "," + nodes.get(1).bootstrapServers();
                KafkaTool list = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> run(ReassignPartitionsCommand::main, "--bootstrap-server", bootstrap, "--list"),
                                t -> t.output().contains("stuck-0:"));
                assertThat(list.output()).contains("Current partition reassignments:")
                        .contains("stuck-0: replicas: 1,3,2. adding: 3. removing: 2.");

                Path plan = dir.resolve("stuck.json");
                Files.writeString(plan, """
                        {"version": 1, "partitions": [{"topic": "stuck", "partition": 0, "replicas": [1, 3]}]}""");
                // Clearing throttles would address the stopped broker too, as against Kafka.
                KafkaTool cancel = run(ReassignPartitionsCommand::main, "--bootstrap-server", bootstrap,
                        "--reassignment-json-file", plan.toString(), "--cancel", "--preserve-throttles");
                assertThat(cancel.exitCode()).as(cancel.output()).isZero();
                assertThat(cancel.output()).contains("Successfully cancelled partition reassignment for: stuck-0");

                assertThat(admin.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS)).isEmpty();
                assertThat(replicas(describe(admin, topic).partitions().get(0))).containsExactly(1, 2);
            }
        } finally {
            WeirNode restarted = WeirNode.start(NodeConfig.parse(configs.get(2)));
            nodes.set(2, restarted);
            restarted.awaitReady(Duration.ofSeconds(60));
        }
    }

    @Test
    void leaderElectionCommandMovesLeadershipBackToThePreferredReplica() throws Exception {
        String topic = "elected";
        // Node 3's restart is what moves the leadership away from it.
        int preferred = 3;
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(preferred, 1, 2)))))
                    .all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin, topic);
            assertThat(describe(admin, topic).partitions().get(0).leader().id()).isEqualTo(preferred);
        }
        produce(topic, 1, 20);

        restart(preferred, topic);
        try (Admin admin = admin()) {
            // Every partition of every topic, so that no preferred replica is out of the ISR
            // when the tool elects them all.
            for (String name : admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS)) {
                awaitFullIsr(admin, name);
            }
            assertThat(describe(admin, topic).partitions().get(0).leader().id()).isNotEqualTo(preferred);
        }

        KafkaTool elect = run(LeaderElectionCommand::main, "--bootstrap-server", bootstrap(),
                "--election-type", "preferred", "--all-topic-partitions");
        assertThat(elect.exitCode()).as(elect.output()).isZero();
        assertThat(elect.output()).contains("Successfully completed leader election (PREFERRED) for partitions")
                .contains("elected-0");
        try (Admin admin = admin()) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    assertThat(describe(admin, topic).partitions().get(0).leader().id()).isEqualTo(preferred));
        }

        // Run again: nothing to do, which the tool reports without failing.
        KafkaTool again = run(LeaderElectionCommand::main, "--bootstrap-server", bootstrap(),
                "--election-type", "preferred", "--topic", topic, "--partition", "0");
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("Valid replica already elected for partitions elected-0");
    }

    @Test
    void logDirsCommandListsEachReplicaWithItsSize() throws Exception {
        String topic = "sized";
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2), 1, List.of(2, 3)))))
                    .all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin, topic);
        }
        produce(topic, 2, 100);

        KafkaTool describe = run(LogDirsCommand::main, "--bootstrap-server", bootstrap(), "--describe",
                "--topic-list", topic);
        assertThat(describe.exitCode()).as(describe.output()).isZero();
        assertThat(describe.output()).contains("Received log directory information from brokers 1,2,3");
        String json = describe.output().lines().filter(l -> l.startsWith("{")).findFirst()
                .orElseThrow(() -> new AssertionError(describe.output()));
        Map<Integer, Map<String, Long>> sizes = new HashMap<>();
        for (JsonNode broker : new ObjectMapper().readTree(json).get("brokers")) {
            assertThat(broker.get("logDirs")).hasSize(1);
            JsonNode logDir = broker.get("logDirs").get(0);
            assertThat(logDir.get("error").isNull()).as(json).isTrue();
            assertThat(logDir.get("logDir").asText()).isEqualTo(dataDir(broker.get("broker").asInt()).resolve("logs")
                    .toAbsolutePath().toString());
            for (JsonNode p : logDir.get("partitions")) {
                assertThat(p.get("isFuture").asBoolean()).isFalse();
                assertThat(p.get("offsetLag").asLong()).isZero();
                sizes.computeIfAbsent(broker.get("broker").asInt(), k -> new HashMap<>())
                        .put(p.get("partition").asText(), p.get("size").asLong());
            }
        }
        // Each replica is listed on its broker only; the replicas of a partition hold the same
        // bytes (followers store the leader's batches as they are).
        assertThat(sizes.get(1)).containsOnlyKeys("sized-0");
        assertThat(sizes.get(2)).containsOnlyKeys("sized-0", "sized-1");
        assertThat(sizes.get(3)).containsOnlyKeys("sized-1");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<Integer, Map<String, Long>> now = logDirSizes(topic);
            assertThat(now.get(1).get("sized-0")).isGreaterThan(50 * 10L).isEqualTo(now.get(2).get("sized-0"));
            assertThat(now.get(3).get("sized-1")).isGreaterThan(50 * 10L).isEqualTo(now.get(2).get("sized-1"));
        });
    }

    // ---- helpers ----

    private static KafkaTool run(Consumer<String[]> main, String... args) {
        return KafkaTool.run(main, args);
    }

    private Map<Integer, Map<String, Long>> logDirSizes(String topic) {
        KafkaTool describe = run(LogDirsCommand::main, "--bootstrap-server", bootstrap(), "--describe", "--topic-list", topic);
        String json = describe.output().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
        Map<Integer, Map<String, Long>> sizes = new HashMap<>();
        try {
            for (JsonNode broker : new ObjectMapper().readTree(json).get("brokers")) {
                for (JsonNode p : broker.get("logDirs").get(0).get("partitions")) {
                    sizes.computeIfAbsent(broker.get("broker").asInt(), k -> new HashMap<>())
                            .put(p.get("partition").asText(), p.get("size").asLong());
                }
            }
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
        return sizes;
    }

    /**
     * Stops node {@code id}, waits until {@code topic}'s partition 0 is led elsewhere, and starts
     * the node again on the same data directory and ports.
     */
    private void restart(int id, String topic) throws Exception {
        WeirNode node = nodes.get(id - 1);
        node.close();
        List<WeirNode> others = nodes.stream().filter(n -> n != node).toList();
        try (Admin admin = admin(others.toArray(WeirNode[]::new))) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                Node leader = describe(admin, topic).partitions().get(0).leader();
                return leader != null && leader.id() != id;
            });
        }
        WeirNode restarted = WeirNode.start(NodeConfig.parse(configs.get(id - 1)));
        nodes.set(id - 1, restarted);
        restarted.awaitReady(Duration.ofSeconds(60));
    }

    /** Sends {@code count} records round-robin over the partitions with acks=all; the acknowledged values per partition. */
    private Map<Integer, List<String>> produce(String topic, int partitions, int count) throws Exception {
        Map<Integer, List<String>> acked = new HashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000))) {
            List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, i % partitions, null, topic + "-" + i)));
            }
            for (int i = 0; i < count; i++) {
                RecordMetadata md = sent.get(i).get(60, TimeUnit.SECONDS);
                acked.computeIfAbsent(md.partition(), k -> new ArrayList<>()).add(topic + "-" + i);
            }
        }
        return acked;
    }

    private static void awaitFullIsr(Admin admin, String topic) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> describe(admin, topic).partitions()
                .stream().allMatch(p -> p.leader() != null && p.isr().size() == p.replicas().size()));
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    }

    private static List<Integer> replicas(TopicPartitionInfo partition) {
        return partition.replicas().stream().map(Node::id).collect(Collectors.toList());
    }

    private Path dataDir(int nodeId) {
        return dir.resolve("node-" + nodeId);
    }

    private Path logDir(int nodeId, String topic, int partition) {
        return dataDir(nodeId).resolve("logs").resolve(topic + "-" + partition);
    }

    private String bootstrap() {
        return nodes.stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
    }

    private Admin admin() {
        return admin(nodes.toArray(WeirNode[]::new));
    }

    private static Admin admin(WeirNode... to) {
        String bootstrap = java.util.Arrays.stream(to).map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }
}
