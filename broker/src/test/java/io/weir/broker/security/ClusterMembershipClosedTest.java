package io.weir.broker.security;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.FreePorts;
import io.weir.replication.BlockingKafkaClient;
import io.weir.replication.InterBrokerSecurity;
import io.weir.replication.SaslLogin;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterPartitionRequest;
import org.apache.kafka.common.requests.AlterPartitionResponse;
import org.apache.kafka.common.requests.BrokerHeartbeatRequest;
import org.apache.kafka.common.requests.BrokerHeartbeatResponse;
import org.apache.kafka.common.requests.BrokerRegistrationRequest;
import org.apache.kafka.common.requests.BrokerRegistrationResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The outsider attacks of issue 19 against a three-node Ratis cluster with a cluster secret: a
 * client that registers as a broker (an unknown id, or a voter's id without the secret), beats
 * for it, proposes an ISR or fetches as a replica is refused and changes nothing, while the
 * members themselves (replica fetchers, the controller channel, both authenticated) keep
 * replicating with acks=all.
 */
class ClusterMembershipClosedTest {
    private static final String SECRET = "a-secret-that-only-the-nodes-know";
    private static final int TIMEOUT_MS = 10_000;

    @TempDir
    Path dir;

    private final Map<Integer, WeirNode> nodes = new HashMap<>();

    @AfterEach
    void stop() {
        nodes.values().forEach(WeirNode::close);
    }

    @Test
    void outsidersCannotJoinOrFetchWhileMembersReplicate() throws Exception {
        startCluster();
        String bootstrap = nodes.values().stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
        try (Admin admin = admin(bootstrap)) {
            Node controller = admin.describeCluster().controller().get(30, TimeUnit.SECONDS);
            InetSocketAddress active = new InetSocketAddress(controller.host(), controller.port());

            try (BlockingKafkaClient outsider = new BlockingKafkaClient(active, "outsider", TIMEOUT_MS, 1 << 20)) {
                for (int id : new int[] {99, 2}) {
                    BrokerRegistrationResponse registration = (BrokerRegistrationResponse) outsider.send(
                            new BrokerRegistrationRequest.Builder(registration(id)));
                    assertThat(registration.data().errorCode()).as("registration as %d", id)
                            .isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
                    assertThat(registration.data().brokerEpoch()).isEqualTo(-1);
                    BrokerHeartbeatResponse heartbeat = (BrokerHeartbeatResponse) outsider.send(
                            new BrokerHeartbeatRequest.Builder(new BrokerHeartbeatRequestData().setBrokerId(id)
                                    .setBrokerEpoch(0).setWantFence(false)));
                    assertThat(heartbeat.data().errorCode()).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
                    AlterPartitionResponse isr = (AlterPartitionResponse) outsider.send(new AlterPartitionRequest.Builder(
                            new AlterPartitionRequestData().setBrokerId(id).setBrokerEpoch(0)));
                    assertThat(isr.data().errorCode()).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
                }
            }
            // A wrong secret does not even get a connection that could try.
            try (BlockingKafkaClient guesser = new BlockingKafkaClient(active, "guesser", TIMEOUT_MS, 1 << 20,
                    new InterBrokerSecurity("PLAINTEXT", Optional.empty(), false, Optional.of(new SaslLogin("weir-node-2", "not-the-secret-at-all"))))) {
                assertThatThrownBy(() -> guesser.send(new BrokerRegistrationRequest.Builder(registration(2))))
                        .isInstanceOf(IOException.class).hasMessageContaining("SASL_AUTHENTICATION_FAILED");
            }
            // The secret proves membership only for an expected node.
            try (BlockingKafkaClient stranger = new BlockingKafkaClient(active, "stranger", TIMEOUT_MS, 1 << 20,
                    new InterBrokerSecurity("PLAINTEXT", Optional.empty(), false, Optional.of(new SaslLogin("weir-node-99", SECRET))))) {
                assertThatThrownBy(() -> stranger.send(new BrokerRegistrationRequest.Builder(registration(99))))
                        .isInstanceOf(IOException.class).hasMessageContaining("SASL_AUTHENTICATION_FAILED");
            }

            admin.createTopics(List.of(new NewTopic("after-attack", 12, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> describe(admin, "after-attack")
                    .partitions().stream().allMatch(p -> p.isr().size() == 3));
            TopicDescription topic = describe(admin, "after-attack");
            assertThat(topic.partitions()).allSatisfy(p -> {
                assertThat(p.replicas()).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
                assertThat(p.leader().id()).isIn(1, 2, 3);
            });
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).extracting(Node::id)
                    .containsExactlyInAnyOrder(1, 2, 3);

            // Members replicate through their authenticated fetchers: acks=all with min.insync.replicas=2.
            try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                for (int i = 0; i < 12; i++) {
                    producer.send(new ProducerRecord<>("after-attack", i, null, "v" + i)).get(60, TimeUnit.SECONDS);
                }
            }
            assertThat(readAll(bootstrap, "after-attack", 12)).hasSize(12);

            // An outsider's replica fetch from a partition's leader gets nothing.
            var p0 = topic.partitions().get(0);
            Node leader = p0.leader();
            int follower = p0.replicas().stream().map(Node::id).filter(id -> id != leader.id()).findFirst().orElseThrow();
            try (BlockingKafkaClient outsider = new BlockingKafkaClient(
                    new InetSocketAddress(leader.host(), leader.port()), "outsider-fetcher", TIMEOUT_MS, 1 << 20)) {
                FetchResponse fetch = (FetchResponse) outsider.send(FetchRequest.Builder.forReplica(
                        ApiKeys.FETCH.latestVersion(), follower, -1, 0, 1,
                        Map.of(new TopicPartition("after-attack", 0), new FetchRequest.PartitionData(
                                topic.topicId(), 0, 0, 1 << 20, Optional.empty())))
                        .metadata(org.apache.kafka.common.requests.FetchMetadata.LEGACY));
                assertThat(fetch.error()).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED);
                assertThat(fetch.data().responses()).allSatisfy(t -> assertThat(t.partitions())
                        .allSatisfy(p -> assertThat(p.records() == null || p.records().sizeInBytes() == 0).isTrue()));
            }
        }
    }

    @Test
    void withoutASecretOnlyExpectedNodeIdsMayRegister() throws Exception {
        WeirNode solo = WeirNode.start(NodeConfig.of(1, "membership", dir.resolve("solo"),
                new NodeConfig.Listeners("127.0.0.1:0", null), new NodeConfig.Coordination("local", null)));
        nodes.put(1, solo);
        solo.awaitReady(Duration.ofSeconds(60));
        String[] hostPort = solo.bootstrapServers().split(":");
        try (BlockingKafkaClient outsider = new BlockingKafkaClient(
                new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), "outsider", TIMEOUT_MS, 1 << 20)) {
            BrokerRegistrationResponse registration = (BrokerRegistrationResponse) outsider.send(
                    new BrokerRegistrationRequest.Builder(registration(99)));

            assertThat(registration.data().errorCode()).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
        }
        try (Admin admin = admin(solo.bootstrapServers())) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).extracting(Node::id).containsExactly(1);
        }
    }

    private static BrokerRegistrationRequestData registration(int id) {
        BrokerRegistrationRequestData data = new BrokerRegistrationRequestData().setBrokerId(id)
                .setClusterId("membership").setIncarnationId(Uuid.randomUuid()).setPreviousBrokerEpoch(-1);
        data.listeners().add(new BrokerRegistrationRequestData.Listener().setName("PLAINTEXT").setHost("127.0.0.1")
                .setPort(1).setSecurityProtocol(SecurityProtocol.PLAINTEXT.id));
        return data;
    }

    private void startCluster() throws Exception {
        Path secret = dir.resolve("cluster.secret");
        Files.writeString(secret, SECRET + "\n");
        int[] kafkaPorts = FreePorts.take(3);
        int[] quorumPorts = FreePorts.take(3);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
        }
        for (int i = 1; i <= 3; i++) {
            nodes.put(i, WeirNode.start(NodeConfig.parse("""
                    node.id: %d
                    cluster.id: membership
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                      voters:
                    %s
                    broker.heartbeat.interval.ms: 200
                    broker.session.timeout.ms: 3000
                    cluster.secret.file: %s
                    """.formatted(i, dir.resolve("node-" + i), kafkaPorts[i - 1], voters, secret))));
        }
        for (WeirNode node : nodes.values()) {
            node.awaitReady(Duration.ofSeconds(60));
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    private static List<String> readAll(String bootstrap, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < expected; p++) partitions.add(new TopicPartition(topic, p));
            consumer.assign(partitions);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
                return values.size() >= expected;
            });
        }
        return values;
    }
}
