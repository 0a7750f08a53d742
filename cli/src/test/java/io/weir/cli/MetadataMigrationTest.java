package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.zk.EmbeddedZooKeeper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weir metadata export | import} moves a real three-node cluster from Ratis to a real
 * ZooKeeper server and back: after each move the restarted nodes serve every topic with every
 * record (real kafka-clients), the topic ids are unchanged, and new writes work (the brokers
 * registered and unfenced, so the metadata offsets continued above the moved ones).
 */
class MetadataMigrationTest {
    private static final String CLUSTER = "moving";
    private static final Map<String, Integer> TOPICS = Map.of("orders", 3, "events", 2);

    @TempDir
    Path dir;
    private final List<WeirNode> nodes = new ArrayList<>();
    private EmbeddedZooKeeper zk;
    private int[] kafkaPorts;

    @AfterEach
    void stop() {
        stopNodes();
        if (zk != null) zk.close();
    }

    @Test
    void aClusterMovesFromRatisToZooKeeperAndBackWithEveryTopicAndRecord() throws Exception {
        kafkaPorts = freePorts(3);
        zk = EmbeddedZooKeeper.start(dir.resolve("zk-server"));
        String zkConnect = zk.connectString() + "/moving";

        // 1. On Ratis: topics and acknowledged records.
        writeConfigs(ratis());
        startNodes();
        Map<String, Uuid> ids;
        try (Admin admin = admin()) {
            for (Map.Entry<String, Integer> t : TOPICS.entrySet()) {
                admin.createTopics(List.of(new NewTopic(t.getKey(), t.getValue(), (short) 3))).all()
                    .get(30, TimeUnit.SECONDS);
            }
            ids = topicIds(admin);
        }
        produce(0, 200);
        long ratisOffset = nodes.get(0).controller().image().offset();
        stopNodes();

        // 2. Export from the stopped Ratis nodes, import into an empty ZooKeeper chroot.
        Path toZk = dir.resolve("ratis.export");
        assertThat(weir("metadata", "export", "--dir", dir.toString(), toZk.toString())).isZero();
        assertThat(weir("metadata", "import", "--dir", dir.toString(), "--backend", "zookeeper",
            "--zookeeper", zkConnect, toZk.toString())).isZero();
        assertThat(weir("metadata", "import", "--dir", dir.toString(), "--backend", "zookeeper",
            "--zookeeper", zkConnect, toZk.toString())).as("a second import into a non-empty chroot").isOne();
        assertThat(lastError).contains("already holds Weir metadata");

        // 3. The same nodes, same data, on ZooKeeper.
        writeConfigs(zooKeeper(zkConnect));
        startNodes();
        assertEveryRecordIsServed(ids, 200);
        produce(200, 300);
        assertEveryRecordIsServed(ids, 300);
        assertThat(nodes.get(0).controller().image().offset()).isGreaterThan(ratisOffset);
        stopNodes();

        // 4. And back: ZooKeeper -> Ratis, whose old storage must be moved away first.
        Path toRatis = dir.resolve("zookeeper.export");
        assertThat(weir("metadata", "export", "--dir", dir.toString(), toRatis.toString())).isZero();
        assertThat(weir("metadata", "import", "--dir", dir.toString(), "--backend", "ratis", toRatis.toString()))
            .as("the Ratis storage still holds the old metadata").isOne();
        assertThat(lastError).contains("already holds Ratis metadata");
        for (int i = 1; i <= 3; i++) {
            deleteTree(dir.resolve("node-" + i).resolve("data").resolve("metadata"));
        }
        assertThat(weir("metadata", "import", "--dir", dir.toString(), "--backend", "ratis", toRatis.toString()))
            .isZero();
        writeConfigs(ratis());
        startNodes();
        assertEveryRecordIsServed(ids, 300);
        produce(300, 400);
        assertEveryRecordIsServed(ids, 400);
    }

    @Test
    void wrongInputGetsAClearError() throws Exception {
        kafkaPorts = freePorts(3);
        writeConfigs(ratis());
        assertThat(weir("metadata", "import", "--dir", dir.toString(), "--backend", "ratis",
            dir.resolve("missing").toString())).isOne();
        assertThat(lastError).contains("no export file");

        Path garbage = Files.writeString(dir.resolve("garbage"), "hello");
        assertThat(weir("metadata", "import", "--dir", dir.toString(), "--backend", "ratis", garbage.toString()))
            .isOne();
        assertThat(lastError).contains("not a Weir metadata export");

        Path other = dir.resolve("other.export");
        Files.write(other, new MetadataExportFile("another-cluster", "ratis",
            new io.weir.controller.coordination.StoredMetadata(
                io.weir.controller.image.MetadataImage.EMPTY.withOffset(5), 1)).encode());
        assertThat(weir("metadata", "import", "--dir", dir.toString(), "--backend", "ratis", other.toString()))
            .isOne();
        assertThat(lastError).contains("holds cluster 'another-cluster'");

        assertThat(weir("metadata", "export", "--dir", dir.toString(), dir.resolve("empty.export").toString()))
            .isOne();
        assertThat(lastError).contains("no node holds Ratis metadata");
        assertThat(weir("metadata", "export", "--dir", dir.resolve("nothing").toString(),
            dir.resolve("x.export").toString())).isOne();
        assertThat(lastError).contains("no cluster in");
    }

    // ---- helpers ----

    private String lastError = "";

    private int weir(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new CommandLine(new WeirCli()).execute(args);
        } finally {
            System.setErr(previous);
            lastError = err.toString(StandardCharsets.UTF_8);
            previous.print(lastError);
        }
    }

    private NodeConfig.Coordination ratis() throws Exception {
        int[] quorum = freePorts(3);
        List<NodeConfig.Voter> voters = new ArrayList<>();
        for (int v = 0; v < 3; v++) voters.add(new NodeConfig.Voter(v + 1, "127.0.0.1", quorum[v], kafkaPorts[v]));
        return new NodeConfig.Coordination("ratis", voters);
    }

    private static NodeConfig.Coordination zooKeeper(String connect) {
        return NodeConfig.Coordination.zookeeper(new NodeConfig.ZooKeeper(connect, 4000, null));
    }

    private void writeConfigs(NodeConfig.Coordination coordination) throws Exception {
        for (int i = 1; i <= 3; i++) {
            Path nodeDir = Files.createDirectories(dir.resolve("node-" + i));
            NodeConfig.of(i, CLUSTER, nodeDir.resolve("data").toAbsolutePath(),
                    new NodeConfig.Listeners("127.0.0.1:" + kafkaPorts[i - 1], null), coordination)
                .with(Map.of("broker.heartbeat.interval.ms", 200))
                .write(nodeDir.resolve("node.yaml"));
        }
    }

    private void startNodes() throws Exception {
        for (int i = 1; i <= 3; i++) {
            nodes.add(WeirNode.start(NodeConfig.load(dir.resolve("node-" + i).resolve("node.yaml"))));
        }
        for (WeirNode node : nodes) node.awaitReady(Duration.ofSeconds(90));
    }

    private void stopNodes() {
        nodes.forEach(WeirNode::close);
        nodes.clear();
    }

    private String bootstrap() {
        return nodes.stream().map(WeirNode::bootstrapServers).collect(Collectors.joining(","));
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static Map<String, Uuid> topicIds(Admin admin) {
        return await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            Map<String, TopicDescription> d = admin.describeTopics(TOPICS.keySet()).allTopicNames()
                .get(10, TimeUnit.SECONDS);
            Map<String, Uuid> ids = new HashMap<>();
            d.forEach((name, t) -> ids.put(name, t.topicId()));
            return ids;
        }, ids -> ids.size() == TOPICS.size());
    }

    /** Records from..to-1 to every partition of every topic, each acknowledged by all replicas. */
    private void produce(int from, int to) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000))) {
            List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
            for (Map.Entry<String, Integer> t : TOPICS.entrySet()) {
                for (int i = from; i < to; i++) {
                    sends.add(producer.send(new ProducerRecord<>(t.getKey(), i % t.getValue(), null, t.getKey() + "-" + i)));
                }
            }
            for (java.util.concurrent.Future<?> f : sends) f.get(90, TimeUnit.SECONDS);
        }
    }

    private void assertEveryRecordIsServed(Map<String, Uuid> ids, int count) {
        try (Admin admin = admin()) {
            assertThat(topicIds(admin)).isEqualTo(ids);
        }
        for (Map.Entry<String, Integer> t : TOPICS.entrySet()) {
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < count; i++) expected.add(t.getKey() + "-" + i);
            assertThat(consumeAll(t.getKey(), t.getValue(), count)).as(t.getKey()).isEqualTo(expected);
        }
    }

    private Set<String> consumeAll(String topic, int partitions, int count) {
        Set<String> received = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (received.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) received.add(r.value());
            }
        }
        return received;
    }

    private static int[] freePorts(int n) throws Exception {
        int[] ports = new int[n];
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : sockets) s.close();
        }
        return ports;
    }

    private static void deleteTree(Path root) throws Exception {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
