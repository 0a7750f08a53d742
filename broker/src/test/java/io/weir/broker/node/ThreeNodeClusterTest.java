package io.weir.broker.node;

import io.weir.broker.testing.RawKafkaClient;
import io.weir.broker.testing.ReadBack;
import io.weir.zk.EmbeddedZooKeeper;
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
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three combined nodes with real kafka-clients, on each coordination backend: a real Ratis
 * quorum, and a real ZooKeeper server (the same tests pass on both, DESIGN decision 6).
 */
class ThreeNodeClusterTest {
    @TempDir
    Path dir;
    private final List<WeirNode> nodes = new ArrayList<>();
    private EmbeddedZooKeeper zk;

    @AfterEach
    void stop() {
        nodes.forEach(WeirNode::close);
        if (zk != null) zk.close();
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"ratis", "zookeeper"})
    void clientsProduceAndConsumeAcrossAllNodes(String backend) throws Exception {
        startCluster(backend, "");

        // Producer ids come from controller-allocated blocks: unique across nodes.
        Set<Long> producerIds = new HashSet<>();
        for (WeirNode node : nodes) {
            try (RawKafkaClient client = new RawKafkaClient(new java.net.InetSocketAddress("127.0.0.1", node.kafkaPort()))) {
                for (int i = 0; i < 2; i++) {
                    InitProducerIdResponse response = await().atMost(Duration.ofSeconds(30)).until(() ->
                            (InitProducerIdResponse) client.roundTrip(ApiKeys.INIT_PRODUCER_ID, (short) 4, 1,
                                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)),
                            r -> r.data().errorCode() == Errors.NONE.code());
                    producerIds.add(response.data().producerId());
                }
            }
        }
        assertThat(producerIds).hasSize(6);

        // Auto-creation asked of a node that is not the active controller goes to the controller.
        WeirNode follower = nodes.stream().filter(n -> !n.controller().isActive()).findFirst().orElseThrow();
        try (RawKafkaClient client = new RawKafkaClient(new java.net.InetSocketAddress("127.0.0.1", follower.kafkaPort()))) {
            MetadataRequestData ask = new MetadataRequestData().setAllowAutoTopicCreation(true)
                    .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("asked-for")));
            await().atMost(Duration.ofSeconds(30)).until(() -> ((MetadataResponse) client.roundTrip(ApiKeys.METADATA,
                    (short) 12, 2, ask)).errors().isEmpty());
        }

        String bootstrap = nodes.get(0).bootstrapServers();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).extracting(Node::id)
                    .containsExactlyInAnyOrder(1, 2, 3);
            // DescribeQuorum (KIP-853): the Raft quorum on Ratis; on ZooKeeper only what is true,
            // the active controller and its epoch, and no voters to change.
            org.apache.kafka.clients.admin.QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo()
                    .get(30, TimeUnit.SECONDS);
            io.weir.controller.coordination.ControllerLocation active = nodes.get(0).controller().activeController()
                    .orElseThrow();
            assertThat(quorum.leaderId()).isEqualTo(active.nodeId());
            assertThat(quorum.leaderEpoch()).isEqualTo(active.controllerEpoch());
            assertThat(quorum.highWatermark()).isPositive();
            assertThat(quorum.observers()).isEmpty();
            assertThat(quorum.voters()).extracting(org.apache.kafka.clients.admin.QuorumInfo.ReplicaState::replicaId)
                    .containsExactlyInAnyOrderElementsOf(backend.equals("ratis") ? List.of(1, 2, 3)
                            : List.of(active.nodeId()));
            if (backend.equals("zookeeper")) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.removeRaftVoter(active.nodeId(),
                                org.apache.kafka.common.Uuid.ZERO_UUID).all().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.UnsupportedVersionException.class)
                        .hasMessageContaining("no Raft voters");
            }
            admin.createTopics(List.of(new NewTopic("spread", 6, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // CreateTopics answers once the controller node replayed the topic; the node that
            // answers Describe may replay it a moment later (as with Kafka's KRaft brokers).
            TopicDescription spread = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> admin.describeTopics(List.of("spread")).allTopicNames()
                            .get(10, TimeUnit.SECONDS).get("spread"), d -> d != null);
            Set<Integer> leaders = spread.partitions().stream().map(TopicPartitionInfo::leader).map(Node::id)
                    .collect(Collectors.toSet());
            assertThat(leaders).containsExactlyInAnyOrder(1, 2, 3);
        }

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000))) {
            for (int i = 0; i < 600; i++) {
                producer.send(new ProducerRecord<>("spread", i % 6, null, "m" + i));
            }
            producer.flush();
        }

        Set<String> received = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, nodes.get(2).bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < 6; p++) partitions.add(new TopicPartition("spread", p));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.size() < 600 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) received.add(r.value());
            }
        }
        assertThat(received).hasSize(600);

        // A consumer group: its coordinator is whichever node leads its __consumer_offsets
        // partition, found through FindCoordinator from any node.
        Set<String> grouped = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, nodes.get(1).bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "spread-readers",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            consumer.subscribe(List.of("spread"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (grouped.size() < 600 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) grouped.add(r.value());
            }
            consumer.commitSync(Duration.ofSeconds(30));
        }
        assertThat(grouped).hasSize(600);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            long committed = admin.listConsumerGroupOffsets("spread-readers").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS).values().stream().mapToLong(o -> o.offset()).sum();
            assertThat(committed).isEqualTo(600);
        }
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"ratis", "zookeeper"})
    void stoppingTheActiveControllersNodeFailsItsPartitionsOverAndLosesNoAcknowledgedWrite(String backend)
            throws Exception {
        startCluster(backend, """
                broker.session.timeout.ms: 3000
                replica.lag.time.max.ms: 3000
                """);
        String topic = "failover";
        int partitions = 3;
        try (Admin admin = admin(bootstrap())) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> describe(admin, topic).partitions()
                    .stream().allMatch(p -> p.isr().size() == 3 && p.leader() != null));
        }
        Map<Integer, List<String>> acked = new ConcurrentHashMap<>();
        int victimId;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.METADATA_MAX_AGE_CONFIG, 1_000))) {
            sendAcked(producer, topic, partitions, 0, 300, acked);

            // The node that is the active controller also leads one partition (RF=3 over three
            // nodes): stopping it moves both the controller and that partition's leadership.
            WeirNode victim = nodes.stream().filter(n -> n.controller().isActive()).findFirst().orElseThrow();
            victimId = victim.nodeId();
            nodes.remove(victim);
            victim.close();

            sendAcked(producer, topic, partitions, 300, 600, acked);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().anyMatch(n -> n.controller().isActive()));
        int stopped = victimId;
        try (Admin admin = admin(bootstrap())) {
            assertThat(describe(admin, topic).partitions())
                    .allSatisfy(p -> assertThat(p.leader().id()).isNotEqualTo(stopped));
        }
        Map<Integer, List<String>> read = ReadBack.values(bootstrap(), topic, partitions, acked, Duration.ofSeconds(60));
        for (Map.Entry<Integer, List<String>> e : acked.entrySet()) {
            assertThat(read.get(e.getKey())).as("partition %d", e.getKey()).containsExactlyElementsOf(e.getValue());
        }
        assertThat(acked.values().stream().mapToInt(List::size).sum()).isEqualTo(600);
    }

    /**
     * Starts three combined nodes: on {@code ratis}, each a voter of the metadata quorum; on
     * {@code zookeeper}, all on one real ZooKeeper server started here, in a chroot.
     */
    private void startCluster(String backend, String extraSettings) throws Exception {
        int[] kafkaPorts = freePorts(3);
        String coordination;
        if (backend.equals("zookeeper")) {
            zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"));
            coordination = """
                    coordination:
                      backend: zookeeper
                      zookeeper:
                        connect: %s/three
                        session.timeout.ms: 4000
                    """.formatted(zk.connectString());
        } else {
            int[] quorumPorts = freePorts(3);
            StringBuilder voters = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                        .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
            }
            coordination = "coordination:\n  backend: ratis\n  voters:\n" + voters;
        }
        for (int i = 0; i < 3; i++) {
            nodes.add(WeirNode.start(NodeConfig.parse("""
                    node.id: %d
                    cluster.id: three
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    %s
                    broker.heartbeat.interval.ms: 200
                    %s
                    """.formatted(i + 1, dir.resolve("node-" + (i + 1)), kafkaPorts[i], coordination, extraSettings))));
        }
        for (WeirNode node : nodes) node.awaitReady(Duration.ofSeconds(60));
    }

    private String bootstrap() {
        return nodes.stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    }

    /** Sends values from..to-1 round-robin over the partitions, waiting for each acknowledgement. */
    private static void sendAcked(KafkaProducer<String, String> producer, String topic, int partitions, int from,
                                  int to, Map<Integer, List<String>> acked) throws Exception {
        for (int i = from; i < to; i++) {
            RecordMetadata md = producer.send(new ProducerRecord<>(topic, i % partitions, null, "v" + i))
                    .get(60, TimeUnit.SECONDS);
            acked.computeIfAbsent(md.partition(), k -> new ArrayList<>()).add("v" + i);
        }
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : sockets) s.close();
        }
        return ports;
    }
}
