package io.weir.broker.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.FreePorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.file.FileStreamSinkConnector;
import org.apache.kafka.connect.file.FileStreamSourceConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import io.weir.broker.testing.KeptLogs;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.AfterEach;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The acceptance test of issue 17: Apache Kafka Connect 4.3.1 in distributed mode, unchanged, runs
 * against three Weir nodes. Two workers (child JVMs, so one can be killed with kill -9) create their
 * compacted config/offset/status topics, form a group over the classic protocol ("connect" protocol
 * type), run a FileStreamSource connector into a topic and a FileStreamSink connector out of it; the
 * worker running the tasks is killed and the survivor takes them over with no line lost, duplicates
 * only as Connect's at-least-once delivery allows.
 */
@EnabledIfSystemProperty(named = "weir.chaos.long", matches = "true") // mvn verify -Pchaos: 1-2 minutes
class KafkaConnectTest {
    private static final String TOPIC = "connect-in";
    private static final List<String> INTERNAL_TOPICS = List.of("connect-configs", "connect-offsets", "connect-status");
    private static final int FIRST = 200;
    private static final int MORE = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Deleted pass or fail; the worker logs (worker-N/worker.log) are kept in target/test-logs (KeptLogs). */
    @TempDir
    Path dir;

    @AfterEach
    void keepLogs(TestInfo test) {
        KeptLogs.copy(dir, test);
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void connectRunsOnWeirAndSurvivesAWorkerKilledWithKillNine(TestInfo test) throws Exception {
        long started = System.nanoTime();
        List<WeirNode> nodes = new ArrayList<>();
        List<Worker> workers = new ArrayList<>();
        try {
            String bootstrap = startCluster(nodes);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
            }
            int[] restPorts = FreePorts.take(2);
            for (int i = 0; i < 2; i++) {
                workers.add(Worker.start(dir.resolve("worker-" + (i + 1)), bootstrap, restPorts[i]));
            }
            for (Worker worker : workers) {
                await("worker " + worker.id() + " serves REST").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> worker.alive() && get(worker, "/connectors") != null);
            }

            // Connect created its internal topics itself, compacted as it requires.
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).containsAll(INTERNAL_TOPICS);
                List<ConfigResource> resources = INTERNAL_TOPICS.stream()
                        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
                Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
                for (ConfigResource resource : resources) {
                    assertThat(configs.get(resource).get("cleanup.policy").value()).as(resource.name())
                            .isEqualTo("compact");
                }
                admin.describeTopics(INTERNAL_TOPICS).allTopicNames().get(30, TimeUnit.SECONDS).values()
                        .forEach(d -> assertThat(d.partitions().get(0).replicas()).as(d.name()).hasSize(3));
            }

            Path source = dir.resolve("source.txt");
            Path sink = dir.resolve("sink.txt");
            Files.createFile(source);
            createConnector(workers.get(0), "file-source", Map.of(
                    "connector.class", FileStreamSourceConnector.class.getName(),
                    "tasks.max", "1", "file", source.toString(), "topic", TOPIC));
            createConnector(workers.get(1), "file-sink", Map.of(
                    "connector.class", FileStreamSinkConnector.class.getName(),
                    "tasks.max", "1", "file", sink.toString(), "topics", TOPIC));
            for (String connector : List.of("file-source", "file-sink")) {
                await(connector + " running").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> runningOn(workers.get(0), connector) != null);
            }

            appendLines(source, 0, FIRST);
            await("first " + FIRST + " lines in the sink file").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> counts(sink).size() == FIRST);
            Map<String, Integer> first = counts(sink);
            assertThat(first.values()).as("no duplicates while nothing fails").allMatch(c -> c == 1);
            assertThat(readLines(sink)).as("one partition: in order").isEqualTo(expected(0, FIRST));

            // Both tasks have committed their progress (the source's file position in connect-offsets, the
            // sink's consumer group offset): from here on at-least-once allows no duplicate at all, so any
            // would mean Weir lost or hid a committed offset.
            long firstBytes = expected(0, FIRST).stream().mapToLong(l -> l.length() + 1).sum();
            awaitSourcePosition(bootstrap, firstBytes);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                TopicPartition in = new TopicPartition(TOPIC, 0);
                await("file-sink committed " + FIRST).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            OffsetAndMetadata committed = admin.listConsumerGroupOffsets("connect-file-sink")
                                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(in);
                            return committed != null && committed.offset() == FIRST;
                        });
            }

            // kill -9 the worker that runs the source task (the sink task too, if it is there).
            String victimId = runningOn(workers.get(0), "file-source");
            Worker victim = workers.stream().filter(w -> w.id().equals(victimId)).findFirst().orElseThrow();
            Worker survivor = workers.stream().filter(w -> w != victim).findFirst().orElseThrow();
            victim.kill();
            appendLines(source, FIRST, MORE);
            for (String connector : List.of("file-source", "file-sink")) {
                await(connector + " taken over by " + survivor.id()).atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> survivor.id().equals(runningOn(survivor, connector)));
            }
            await("all " + (FIRST + MORE) + " lines in the sink file").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> counts(sink).size() == FIRST + MORE);

            Map<String, Integer> sunk = counts(sink);
            assertThat(sunk.keySet()).as("every line written, none missing").isEqualTo(expected(0, FIRST + MORE)
                    .stream().collect(java.util.stream.Collectors.toSet()));
            int sinkDuplicates = sunk.values().stream().mapToInt(c -> c - 1).sum();
            Map<String, Integer> inTopic = topicCounts(bootstrap, FIRST + MORE);
            assertThat(inTopic.keySet()).as("every line in the topic").isEqualTo(sunk.keySet());
            int topicDuplicates = inTopic.values().stream().mapToInt(c -> c - 1).sum();
            System.out.printf("KafkaConnectTest: %d lines, %d duplicates in the sink file, %d in the topic, "
                            + "worker %s killed, %d s%n", FIRST + MORE, sinkDuplicates, topicDuplicates, victimId,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            assertThat(topicDuplicates).as("lines produced twice after the source committed its position").isZero();
            assertThat(sinkDuplicates).as("lines written twice after the sink committed its offset").isZero();
        } catch (Throwable failure) {
            System.out.println("KafkaConnectTest failed; worker logs in " + KeptLogs.of(test).toAbsolutePath());
            throw failure;
        } finally {
            workers.forEach(Worker::kill);
            nodes.forEach(WeirNode::close);
        }
    }

    private String startCluster(List<WeirNode> nodes) throws Exception {
        int[] kafkaPorts = FreePorts.take(3);
        int[] quorumPorts = FreePorts.take(3);
        StringBuilder voters = new StringBuilder();
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorumPorts[i], kafkaPorts[i]));
            servers.add("127.0.0.1:" + kafkaPorts[i]);
        }
        for (int i = 0; i < 3; i++) {
            nodes.add(WeirNode.start(NodeConfig.parse("""
                    node.id: %d
                    cluster.id: connect
                    data.dir: %s
                    listeners:
                      kafka: 127.0.0.1:%d
                    coordination:
                      backend: ratis
                      voters:
                    %s
                    broker.heartbeat.interval.ms: 200
                    broker.session.timeout.ms: 3000
                    group.initial.rebalance.delay.ms: 0
                    """.formatted(i + 1, dir.resolve("node-" + (i + 1)), kafkaPorts[i], voters))));
        }
        for (WeirNode node : nodes) node.awaitReady(Duration.ofSeconds(60));
        return String.join(",", servers);
    }

    private void createConnector(Worker worker, String name, Map<String, String> config) throws Exception {
        String body = JSON.writeValueAsString(Map.of("name", name, "config", config));
        await("create " + name).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(worker.uri("/connectors"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            // 409: the group is rebalancing (or the connector exists already from a retried request).
            return response.statusCode() == 201 || response.statusCode() == 409 && get(worker, "/connectors/" + name) != null;
        });
    }

    /** The worker id that runs the connector and its only task, both RUNNING; null otherwise. */
    private String runningOn(Worker asked, String connector) {
        JsonNode status = get(asked, "/connectors/" + connector + "/status");
        if (status == null || !"RUNNING".equals(status.path("connector").path("state").asText())) {
            return null;
        }
        JsonNode tasks = status.path("tasks");
        if (tasks.size() != 1 || !"RUNNING".equals(tasks.get(0).path("state").asText())) {
            return null;
        }
        return tasks.get(0).path("worker_id").asText();
    }

    /** The JSON body of a 200 answer, or null (not up yet, rebalancing, not found). */
    private JsonNode get(Worker worker, String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(worker.uri(path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void appendLines(Path file, int from, int count) throws IOException {
        Files.write(file, expected(from, count), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private static List<String> expected(int from, int count) {
        List<String> lines = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            lines.add("line-%04d".formatted(i));
        }
        return lines;
    }

    private static List<String> readLines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }

    /** How often each line occurs; a line that is not one written (torn, garbled) fails the test. */
    private static Map<String, Integer> counts(Path file) throws IOException {
        Map<String, Integer> counts = new TreeMap<>();
        for (String line : readLines(file)) {
            assertThat(line).matches("line-\\d{4}");
            counts.merge(line, 1, Integer::sum);
        }
        return counts;
    }

    /** Waits until the file source's committed position (connect-offsets) is {@code bytes}. */
    private static void awaitSourcePosition(String bootstrap, long bytes) throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor("connect-offsets").stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            String[] latest = {null};
            await("file-source committed position " + bytes).atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() != null && record.key().contains("file-source")) latest[0] = record.value();
                }
                return latest[0] != null && JSON.readTree(latest[0]).path("position").asLong() == bytes;
            });
        }
    }

    private static Map<String, Integer> topicCounts(String bootstrap, int distinct) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
            await("all lines in " + TOPIC).atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    counts.merge(record.value(), 1, Integer::sum);
                }
                return counts.size() >= distinct;
            });
        }
        return counts;
    }

    /** A Connect worker in distributed mode, in its own JVM. */
    private static final class Worker {
        private final Process process;
        private final int restPort;

        private Worker(Process process, int restPort) {
            this.process = process;
            this.restPort = restPort;
        }

        static Worker start(Path dir, String bootstrap, int restPort) throws IOException {
            Files.createDirectories(dir);
            Path properties = dir.resolve("worker.properties");
            Files.writeString(properties, String.join("\n",
                    "bootstrap.servers=" + bootstrap,
                    "group.id=weir-connect",
                    "config.storage.topic=connect-configs",
                    "offset.storage.topic=connect-offsets",
                    "status.storage.topic=connect-status",
                    "config.storage.replication.factor=3",
                    "offset.storage.replication.factor=3",
                    "status.storage.replication.factor=3",
                    "key.converter=org.apache.kafka.connect.storage.StringConverter",
                    "value.converter=org.apache.kafka.connect.storage.StringConverter",
                    "listeners=http://127.0.0.1:" + restPort,
                    "rest.advertised.host.name=127.0.0.1",
                    "rest.advertised.port=" + restPort,
                    "offset.flush.interval.ms=1000",
                    // A dead worker's tasks wait this long for it to come back before they move (5 min by default).
                    "scheduled.rebalance.max.delay.ms=3000",
                    "session.timeout.ms=6000",
                    "heartbeat.interval.ms=1000",
                    ""));
            Path logback = dir.resolve("logback.xml");
            Files.writeString(logback, """
                    <configuration>
                      <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n</pattern></encoder>
                      </appender>
                      <logger name="org.apache.kafka.connect" level="INFO"/>
                      <logger name="org.apache.kafka.clients.consumer.internals" level="INFO"/>
                      <logger name="org.apache.kafka.connect.runtime.isolation" level="WARN"/>
                      <logger name="org.reflections" level="ERROR"/>
                      <root level="WARN"><appender-ref ref="OUT"/></root>
                    </configuration>
                    """);
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-Dlogback.configurationFile=" + logback,
                    "-cp", workerClassPath(),
                    ConnectDistributed.class.getName(), properties.toString());
            Process process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("worker.log").toFile())).start();
            return new Worker(process, restPort);
        }

        /**
         * The test classpath plus jakarta.annotation-api 2.x, which Connect's REST server (Jersey 3)
         * needs and Maven mediates away in favour of Ratis's 1.3.5 (broker/pom.xml copies it).
         */
        private static String workerClassPath() throws IOException {
            Path extra = Path.of("target", "connect-worker-classpath");
            List<String> jars = new ArrayList<>();
            try (var files = Files.list(extra)) {
                files.filter(f -> f.toString().endsWith(".jar")).forEach(f -> jars.add(f.toAbsolutePath().toString()));
            }
            assertThat(jars).as("jakarta.annotation-api 2.x in " + extra.toAbsolutePath()).isNotEmpty();
            return System.getProperty("java.class.path") + File.pathSeparator + String.join(File.pathSeparator, jars);
        }

        String id() {
            return "127.0.0.1:" + restPort;
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + restPort + path);
        }

        boolean alive() {
            return process.isAlive();
        }

        /** SIGKILL (kill -9) by PID, and wait for it to be gone. */
        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
