package io.weir.broker.quorum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.FreePorts;
import io.weir.broker.testing.KafkaTool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.DuplicateVoterException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.VoterNotFoundException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.tools.MetadataQuorumCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KIP-853 on the Ratis quorum: three voters and a broker-only node (a listener) are described by
 * Kafka's own {@code kafka-metadata-quorum.sh}; a voter stops for good, Kafka's
 * {@code remove-controller} removes it and AddRaftVoter promotes the listener; the promoted node
 * is still a voter after a restart, the leader is stopped and a new one is elected with the new
 * voter's vote (two of three voters are left), and acks=all writes and topic creation go on.
 */
class QuorumMembershipTest {
    private static final String TOPIC = "quorum";

    @TempDir
    Path dir;

    private final Map<Integer, WeirNode> nodes = new ConcurrentHashMap<>();
    private final Map<Integer, NodeConfig> configs = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        nodes.values().forEach(WeirNode::close);
    }

    @Test
    void aDeadVoterIsReplacedByAListenerThatThenVotes() throws Exception {
        int[] kafkaPorts = FreePorts.take(4);
        int[] quorumPorts = FreePorts.take(4);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
        }
        for (int i = 1; i <= 4; i++) {
            String self = i == 4 ? "  quorum.port: %d%n".formatted(quorumPorts[3]) : "";
            configs.put(i, NodeConfig.parse("""
                    node.id: %d
                    cluster.id: quorum
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                    %s  voters:
                    %s
                    broker.heartbeat.interval.ms: 200
                    broker.session.timeout.ms: 3000
                    replica.lag.time.max.ms: 3000
                    auto.balance.enable: false
                    """.formatted(i, dir.resolve("node-" + i), kafkaPorts[i - 1], self, voters)));
        }
        // The listener first: the later a port from FreePorts is bound, the likelier an outgoing
        // connection took it meanwhile. It joins once the voters are up.
        for (int i : new int[] {4, 1, 2, 3}) {
            nodes.put(i, WeirNode.start(configs.get(i)));
        }
        for (WeirNode node : nodes.values()) {
            node.awaitReady(Duration.ofSeconds(60));
        }
        int dead;
        try (Admin admin = admin()) {
            QuorumInfo before = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> quorum(admin), q -> ids(q.observers()).equals(Set.of(4)));
            assertThat(ids(before.voters())).isEqualTo(Set.of(1, 2, 3));
            assertThat(before.highWatermark()).isPositive();
            QuorumInfo.ReplicaState leaderState = before.voters().stream()
                    .filter(v -> v.replicaId() == before.leaderId()).findFirst().orElseThrow();
            assertThat(leaderState.logEndOffset()).isGreaterThanOrEqualTo(before.highWatermark());

            KafkaTool status = KafkaTool.run(MetadataQuorumCommand::main, "--bootstrap-server", bootstrap(),
                    "describe", "--status");
            assertThat(status.exitCode()).isZero();
            assertThat(status.output()).contains("ClusterId:              quorum")
                    .containsPattern("LeaderId: +[123]\\b").containsPattern("LeaderEpoch: +[1-9]")
                    .containsPattern("HighWatermark: +[1-9]")
                    .containsPattern("CurrentVoters: +\\[\\{\"id\": 1, \"endpoints\": \\[\"QUORUM://127.0.0.1:"
                            + quorumPorts[0] + "\"\\]\\}, \\{\"id\": 2")
                    .containsPattern("CurrentObservers: +\\[\\{\"id\": 4, \"endpoints\": \\[\"QUORUM://127.0.0.1:"
                            + quorumPorts[3] + "\"\\]\\}\\]");
            KafkaTool replication = KafkaTool.run(MetadataQuorumCommand::main, "--bootstrap-server", bootstrap(),
                    "describe", "--replication");
            assertThat(replication.exitCode()).isZero();
            // Kafka's table: tab-separated, padded; one row per member, the status last.
            List<Integer> voterRows = new ArrayList<>(rows(replication, "Leader"));
            assertThat(voterRows).hasSize(1);
            voterRows.addAll(rows(replication, "Follower"));
            assertThat(voterRows).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(rows(replication, "Observer")).containsExactly(4);

            // A voter that is not the leader stops for good.
            QuorumInfo current = quorum(admin);
            dead = current.voters().stream().mapToInt(QuorumInfo.ReplicaState::replicaId)
                    .filter(id -> id != current.leaderId()).max().orElseThrow();
            nodes.remove(dead).close();
            int gone = dead;
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)
                    .stream().noneMatch(n -> n.id() == gone));
            // On the three live brokers, so that acks=all still has two in-sync replicas after the
            // leader's node is stopped as well.
            admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            assertThat(produce(20)).hasSize(20);

            // Refusals, each with Kafka's error code.
            assertThatThrownBy(() -> admin.removeRaftVoter(9, Uuid.ZERO_UUID).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(VoterNotFoundException.class);
            assertThatThrownBy(() -> admin.addRaftVoter(current.leaderId(), Uuid.ZERO_UUID, Set.of()).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(DuplicateVoterException.class);
            assertThatThrownBy(() -> admin.addRaftVoter(9, Uuid.ZERO_UUID, Set.of()).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(InvalidRequestException.class).hasMessageContaining("not a member");

            KafkaTool removed = KafkaTool.run(MetadataQuorumCommand::main, "--bootstrap-server", bootstrap(),
                    "remove-controller", "--controller-id", Integer.toString(dead),
                    "--controller-directory-id", Uuid.ZERO_UUID.toString());
            assertThat(removed.exitCode()).isZero();
            assertThat(ids(quorum(admin).voters())).hasSize(2).doesNotContain(dead);
            admin.addRaftVoter(4, Uuid.ZERO_UUID, Set.of()).all().get(60, TimeUnit.SECONDS);
            QuorumInfo after = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> quorum(admin), q -> ids(q.voters()).contains(4));
            assertThat(ids(after.voters())).hasSize(3).contains(4).doesNotContain(dead);
            assertThat(after.observers()).isEmpty();
        }

        // The promoted node restarts with its unchanged config (which lists it as a listener):
        // the replicated Raft configuration it recovers says voter. The restart is needed: Ratis
        // 3.2 keeps a running listener in the LISTENER role (it replicates, but neither campaigns
        // nor votes) until its server starts again from that configuration.
        nodes.remove(4).close();
        nodes.put(4, WeirNode.start(configs.get(4)));
        nodes.get(4).awaitReady(Duration.ofSeconds(60));
        try (Admin admin = admin()) {
            QuorumInfo restarted = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> quorum(admin), q -> ids(q.voters()).contains(4)
                            && q.voters().stream().allMatch(v -> v.logEndOffset() >= 0));
            assertThat(restarted.observers()).isEmpty();

            // Stop the leader: the two voters left are a majority only with the promoted node's vote.
            int oldLeader = restarted.leaderId();
            if (oldLeader == 4) {
                // Then the other voter is the one to stop; node 4 must keep leading with it gone.
                oldLeader = ids(restarted.voters()).stream().filter(id -> id != 4).findFirst().orElseThrow();
            }
            nodes.remove(oldLeader).close();
            int stopped = oldLeader;
            QuorumInfo elected = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> quorum(admin), q -> q.leaderId() != stopped && q.leaderEpoch() >= restarted.leaderEpoch());
            assertThat(ids(elected.voters())).contains(4, stopped).doesNotContain(dead).hasSize(3);
            admin.createTopics(List.of(new NewTopic("after-failover", 1, (short) 2))).all().get(60, TimeUnit.SECONDS);
        }
        assertThat(produce(20)).hasSize(20);
    }

    /**
     * Issue 16: {@code weir cluster add-node} twice. Two broker-only nodes join one after the
     * other; both stay observers of the quorum and keep learning metadata, also after a voter
     * restarts (before the fix the second join dropped the first from the Raft configuration).
     */
    @Test
    void twoAddedBrokersBothStayListenersAcrossAVoterRestart() throws Exception {
        int[] kafkaPorts = FreePorts.take(5);
        int[] quorumPorts = FreePorts.take(5);
        StringBuilder voters = new StringBuilder();
        for (int id = 1; id <= 3; id++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(id, quorumPorts[id - 1], kafkaPorts[id - 1]));
        }
        for (int id = 1; id <= 5; id++) {
            configs.put(id, config(id, kafkaPorts[id - 1], id > 3 ? quorumPorts[id - 1] : null, voters.toString()));
        }
        for (int id = 1; id <= 3; id++) {
            nodes.put(id, WeirNode.start(configs.get(id)));
        }
        for (WeirNode node : nodes.values()) {
            node.awaitReady(Duration.ofSeconds(60));
        }
        try (Admin admin = admin()) {
            for (int added : new int[] {4, 5}) {
                nodes.put(added, WeirNode.start(configs.get(added)));
                nodes.get(added).awaitReady(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> quorum(admin), q -> ids(q.observers()).contains(added));
            }
            assertThat(ids(quorum(admin).observers())).isEqualTo(Set.of(4, 5));
            admin.createTopics(List.of(new NewTopic("after-joins", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            awaitTopicOnAddedBrokers("after-joins");

            int leader = quorum(admin).leaderId();
            int restarted = leader == 1 ? 2 : 1;
            nodes.remove(restarted).close();
            nodes.put(restarted, WeirNode.start(configs.get(restarted)));
            nodes.get(restarted).awaitReady(Duration.ofSeconds(60));
            admin.createTopics(List.of(new NewTopic("after-restart", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            awaitTopicOnAddedBrokers("after-restart");
            QuorumInfo after = quorum(admin);
            assertThat(ids(after.voters())).isEqualTo(Set.of(1, 2, 3));
            assertThat(ids(after.observers())).isEqualTo(Set.of(4, 5));
        }
    }

    private void awaitTopicOnAddedBrokers(String topic) {
        await().atMost(Duration.ofSeconds(60)).until(() -> nodes.get(4).metadata().image().topic(topic).isPresent()
                && nodes.get(5).metadata().image().topic(topic).isPresent());
    }

    /**
     * The longer variant ({@code mvn verify -Pchaos}): round after round a new broker-only node
     * joins, the leader's node stops for good, and the new node replaces it as voter, until
     * none of the original voters is left; each round a new controller is elected and an
     * acks=all topic on the live brokers takes writes.
     */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "weir.chaos.long", matches = "true")
    void theLeaderIsReplacedRoundAfterRound() throws Exception {
        int rounds = 4;
        int[] kafkaPorts = FreePorts.take(3 + rounds);
        int[] quorumPorts = FreePorts.take(3 + rounds);
        Map<Integer, String> voterLines = new java.util.TreeMap<>();
        for (int id = 1; id <= 3; id++) {
            voterLines.put(id, "    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(id, quorumPorts[id - 1], kafkaPorts[id - 1]));
        }
        for (int id = 1; id <= 3; id++) {
            nodes.put(id, WeirNode.start(config(id, kafkaPorts[id - 1], null, String.join("", voterLines.values()))));
        }
        for (WeirNode node : nodes.values()) {
            node.awaitReady(Duration.ofSeconds(60));
        }
        for (int round = 1; round <= rounds; round++) {
            int joiner = 3 + round;
            // As an operator would write it: the new node's file names the voters of today.
            NodeConfig joinerConfig = config(joiner, kafkaPorts[joiner - 1], quorumPorts[joiner - 1],
                    String.join("", voterLines.values()));
            nodes.put(joiner, WeirNode.start(joinerConfig));
            nodes.get(joiner).awaitReady(Duration.ofSeconds(60));
            try (Admin admin = admin()) {
                QuorumInfo before = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> quorum(admin), q -> ids(q.observers()).contains(joiner));
                int leader = before.leaderId();
                nodes.remove(leader).close();
                voterLines.remove(leader);
            }
            try (Admin admin = admin()) {
                QuorumInfo elected = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> quorum(admin), q -> nodes.containsKey(q.leaderId()));
                int dead = ids(elected.voters()).stream().filter(id -> !nodes.containsKey(id)).findFirst().orElseThrow();
                admin.removeRaftVoter(dead, Uuid.ZERO_UUID).all().get(60, TimeUnit.SECONDS);
                admin.addRaftVoter(joiner, Uuid.ZERO_UUID, Set.of()).all().get(60, TimeUnit.SECONDS);
                // Ratis 3.2 keeps a running listener in the LISTENER role: it votes once restarted.
                nodes.remove(joiner).close();
                nodes.put(joiner, WeirNode.start(joinerConfig));
                nodes.get(joiner).awaitReady(Duration.ofSeconds(60));
                voterLines.put(joiner, "    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                        .formatted(joiner, quorumPorts[joiner - 1], kafkaPorts[joiner - 1]));
                QuorumInfo after = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> quorum(admin), q -> ids(q.voters()).equals(voterLines.keySet()));
                assertThat(after.observers()).isEmpty();
                await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeCluster().nodes()
                        .get(10, TimeUnit.SECONDS).stream().allMatch(n -> nodes.containsKey(n.id())));
                String topic = "round-" + round;
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
                assertThat(produce(topic, 20)).hasSize(20);
            }
        }
        assertThat(voterLines.keySet()).doesNotContain(1, 2, 3);
    }

    private NodeConfig config(int id, int kafkaPort, Integer quorumPort, String voters) throws java.io.IOException {
        String self = quorumPort == null ? "" : "  quorum.port: %d%n".formatted(quorumPort);
        return NodeConfig.parse("""
                node.id: %d
                cluster.id: quorum
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:%d
                coordination:
                  backend: ratis
                %s  voters:
                %s
                broker.heartbeat.interval.ms: 200
                broker.session.timeout.ms: 3000
                replica.lag.time.max.ms: 3000
                auto.balance.enable: false
                """.formatted(id, dir.resolve("node-" + id), kafkaPort, self, voters));
    }

    private List<RecordMetadata> produce(int count) throws Exception {
        return produce(TOPIC, count);
    }

    private List<RecordMetadata> produce(String topic, int count) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.METADATA_MAX_AGE_CONFIG, 1_000))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, i % 3, null, "v" + i)));
            }
            List<RecordMetadata> acked = new ArrayList<>();
            for (Future<RecordMetadata> f : sent) {
                try {
                    acked.add(f.get(90, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    throw new AssertionError("an acks=all write failed", e.getCause());
                }
            }
            return acked;
        }
    }

    private static List<Integer> rows(KafkaTool tool, String status) {
        return tool.output().lines().map(String::strip).filter(l -> l.matches("\\d+\\s.*\\t" + status))
                .map(l -> Integer.parseInt(l.split("\\s")[0])).toList();
    }

    private static QuorumInfo quorum(Admin admin) throws Exception {
        return admin.describeMetadataQuorum().quorumInfo().get(20, TimeUnit.SECONDS);
    }

    private static Set<Integer> ids(List<QuorumInfo.ReplicaState> states) {
        return states.stream().map(QuorumInfo.ReplicaState::replicaId).collect(Collectors.toSet());
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    private String bootstrap() {
        return nodes.values().stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
    }
}
