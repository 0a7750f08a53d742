package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test but a measurement, run on demand (see docs/BENCHMARKS.md): three node JVMs, then
 * {@code weir.measure.topics} topics (1) of {@code weir.measure.partitions} partitions (3,000),
 * RF=3, created in one CreateTopics request each, all sent at once. Reports the time until every
 * request is answered, until every partition has a leader in DescribeTopics, until every replica's log
 * directory exists on its node, each node's RSS, open
 * file descriptors and memory maps, a produce figure ({@code weir.measure.produce.seconds}, 10 s of
 * 100-byte records, acks=1, round robin over every partition of the first {@code weir.measure.produce.topics}
 * topics, all by default; 0 seconds skips it) with a consumer of those partitions reading from their
 * start meanwhile (time until it has read everything, its request sizes), and the time to delete
 * the topics (answered, until every replica's directory is renamed away, and until no node holds a partition directory or file). The nodes' heap is
 * {@code weir.measure.node.heap} (1g); {@code weir.measure.jfr=true} records a JFR file per node
 * under the run's directory; {@code weir.measure.fetch.sessions=false} turns fetch sessions off on
 * every node ({@code max.incremental.fetch.session.cache.slots: 0}). Writes {@code target/partitions-measurement.txt}.
 */
@EnabledIfSystemProperty(named = "weir.measure.partitions", matches = "\\d+")
class ManyPartitionsMeasurement {
    @TempDir
    Path tmp;

    @Test
    void createDescribeProduceDelete() throws Exception {
        int topics = Integer.getInteger("weir.measure.topics", 1);
        int partitions = Integer.getInteger("weir.measure.partitions", 3_000);
        int produceSeconds = Integer.getInteger("weir.measure.produce.seconds", 10);
        String keepDir = System.getProperty("weir.measure.dir");
        Path dir = keepDir == null ? tmp : Path.of(keepDir);
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + System.getProperty("weir.measure.node.heap", "1g")));
        List<String> report = new ArrayList<>() {
            @Override
            public boolean add(String line) {
                String stamped = java.time.LocalTime.now().withNano(0) + " " + line;
                System.out.println(stamped); // as it happens: a long run can be followed in the test's output file
                return super.add(stamped);
            }
        };
        // weir.measure.fetch.sessions=false: no fetch sessions on any node (consumers and followers send full fetches).
        Map<String, Object> settings = Boolean.parseBoolean(System.getProperty("weir.measure.fetch.sessions", "true"))
                ? Map.of() : Map.of("max.incremental.fetch.session.cache.slots", 0);
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, settings, ProcessCluster.Backend.RATIS)) {
            for (int id = 1; id <= 3; id++) {
                List<String> flags = new ArrayList<>(jvm);
                if (Boolean.getBoolean("weir.measure.jfr")) {
                    flags.add("-XX:StartFlightRecording=filename=" + dir.resolve("node-" + id + ".jfr")
                            + ",settings=profile,dumponexit=true");
                }
                cluster.start(id, flags);
            }
            for (int id = 1; id <= 3; id++) {
                cluster.awaitListening(id, 120_000);
            }
            String bootstrap = cluster.bootstrapServers();
            List<String> names = IntStream.range(0, topics).mapToObj(i -> "many-" + i).toList();
            try (Admin admin = admin(bootstrap)) {
                cluster.activeController(java.time.Duration.ofMinutes(5));
                awaitThreeLiveBrokers(admin);
                report.add(String.format("%,d topic(s) x %,d partitions, RF=3, 3 nodes (Ratis), fetch sessions %s",
                        topics, partitions, settings.isEmpty() ? "on" : "off"));
                report.add("before: " + nodeResources(cluster));
                long start = System.nanoTime();
                Map<String, org.apache.kafka.common.KafkaFuture<Void>> created = new java.util.LinkedHashMap<>();
                for (String name : names) {
                    created.put(name, admin.createTopics(List.of(new NewTopic(name, partitions, (short) 3))).all());
                }
                for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e : created.entrySet()) {
                    createdRetryingTimeouts(admin, e.getKey(), partitions, e.getValue());
                }
                report.add("CreateTopics answered: " + millisSince(start) + " ms");
                awaitEveryPartitionLed(admin, names, partitions);
                report.add("every partition has a leader in DescribeTopics: " + millisSince(start) + " ms");
                awaitPartitionDirectories(dir, names, 3L * topics * partitions, false);
                report.add("every replica's log directory exists on its node: " + millisSince(start) + " ms");
                Thread.sleep(5_000); // let the followers' first fetches and the ISR settle before sampling
                report.add("after create (+5 s): " + nodeResources(cluster));
                if (produceSeconds > 0) {
                    int produceTopics = Math.min(topics, Integer.getInteger("weir.measure.produce.topics", topics));
                    List<String> produced = names.subList(0, produceTopics);
                    try (Consuming consuming = new Consuming(bootstrap, produced, partitions)) {
                        Produced p = produce(bootstrap, produced, partitions, produceSeconds);
                        report.add(p.line());
                        report.add(consuming.awaitAll(p.total(), TimeUnit.MINUTES.toNanos(10)));
                    }
                    report.add("after produce: " + nodeResources(cluster));
                }
                start = System.nanoTime();
                deleteRetryingTimeouts(admin, names);
                report.add("DeleteTopics answered: " + millisSince(start) + " ms");
                awaitPartitionDirectories(dir, names, 0, false);
                report.add("every replica's log directory renamed away (deleted): " + millisSince(start) + " ms");
                awaitPartitionDirectories(dir, names, 0, true);
                report.add("no node holds a partition directory or file: " + millisSince(start) + " ms");
                report.add("after delete: " + nodeResources(cluster));
            }
        }
        Files.write(Path.of("target", "partitions-measurement.txt"), report);
        assertThat(report).isNotEmpty();
    }

    /**
     * A node answers REQUEST_TIMED_OUT when the controller did not answer it in time (a controller
     * failover on a loaded machine); the change may still have been applied, so ask again until
     * every topic is gone.
     */
    private static void deleteRetryingTimeouts(Admin admin, List<String> names) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        List<String> left = new ArrayList<>(names);
        while (!left.isEmpty()) {
            Map<String, org.apache.kafka.common.KafkaFuture<Void>> futures = admin.deleteTopics(left).topicNameValues();
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e : futures.entrySet()) {
                try {
                    e.getValue().get(30, TimeUnit.MINUTES);
                    left.remove(e.getKey());
                } catch (java.util.concurrent.ExecutionException ex) {
                    if (ex.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                        left.remove(e.getKey());
                    } else if (!(ex.getCause() instanceof org.apache.kafka.common.errors.TimeoutException)
                            || System.nanoTime() > deadline) {
                        throw ex;
                    } else {
                        System.out.println("retrying the deletion of " + e.getKey() + ": " + ex.getCause());
                    }
                }
            }
        }
    }

    /** As {@link #deleteRetryingTimeouts}: a topic that exists after a timeout was created. */
    private static void createdRetryingTimeouts(Admin admin, String name, int partitions,
                                                org.apache.kafka.common.KafkaFuture<Void> first) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        org.apache.kafka.common.KafkaFuture<Void> attempt = first;
        while (true) {
            try {
                attempt.get(30, TimeUnit.MINUTES);
                return;
            } catch (java.util.concurrent.ExecutionException ex) {
                if (ex.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException) return;
                if (!(ex.getCause() instanceof org.apache.kafka.common.errors.TimeoutException)
                        || System.nanoTime() > deadline) {
                    throw ex;
                }
                System.out.println("retrying the creation of " + name + ": " + ex.getCause());
                attempt = admin.createTopics(List.of(new NewTopic(name, partitions, (short) 3))).all();
            }
        }
    }

    /** Until an RF=3 topic can be created (every broker registered and unfenced); the probe is deleted. */
    private static void awaitThreeLiveBrokers(Admin admin) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            try {
                admin.createTopics(List.of(new NewTopic("probe", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
                admin.deleteTopics(List.of("probe")).all().get(60, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > deadline) throw e;
                Thread.sleep(500);
            }
        }
    }

    private static void awaitEveryPartitionLed(Admin admin, List<String> names, int partitions) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        Set<String> pending = new java.util.HashSet<>(names);
        while (!pending.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics without a leader for every partition: " + pending);
            }
            try {
                Map<String, TopicDescription> d = admin.describeTopics(pending).allTopicNames().get(60, TimeUnit.SECONDS);
                d.forEach((name, t) -> {
                    if (t.partitions().size() == partitions && t.partitions().stream().allMatch(p -> p.leader() != null)) {
                        pending.remove(name);
                    }
                });
            } catch (java.util.concurrent.ExecutionException e) {
                // not known yet on the node asked
            }
            if (!pending.isEmpty()) Thread.sleep(100);
        }
    }

    /** What the produce step sent: its report line and how many records in all (first round included). */
    private record Produced(String line, long total) {
    }

    /**
     * A consumer assigned every partition of the produced topics from their beginning, polling on
     * its own thread while the producer runs; reports how long until it has read every record, and
     * its request sizes (kafka-clients' {@code request-size-avg/max}: almost all of them Fetch).
     */
    private static final class Consuming implements AutoCloseable {
        private final org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private final java.util.concurrent.atomic.AtomicLong read = new java.util.concurrent.atomic.AtomicLong();
        private final long start = System.nanoTime();
        private volatile long lastReadNanos = start;
        private volatile boolean running = true;

        Consuming(String bootstrap, List<String> names, int partitions) {
            consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of(
                    org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    org.apache.kafka.clients.consumer.ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                    org.apache.kafka.common.serialization.ByteArrayDeserializer.class,
                    org.apache.kafka.clients.consumer.ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                    org.apache.kafka.common.serialization.ByteArrayDeserializer.class,
                    org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000));
            List<org.apache.kafka.common.TopicPartition> assigned = new ArrayList<>();
            for (String name : names) {
                for (int p = 0; p < partitions; p++) assigned.add(new org.apache.kafka.common.TopicPartition(name, p));
            }
            consumer.assign(assigned);
            thread = new Thread(() -> {
                while (running) {
                    int n = consumer.poll(java.time.Duration.ofMillis(200)).count();
                    if (n > 0) {
                        read.addAndGet(n);
                        lastReadNanos = System.nanoTime();
                    }
                }
            }, "measurement-consumer");
            thread.start();
        }

        String awaitAll(long total, long timeoutNanos) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutNanos;
            while (read.get() < total && System.nanoTime() < deadline) Thread.sleep(100);
            running = false;
            thread.join(30_000);
            Map<String, Double> m = new java.util.HashMap<>();
            consumer.metrics().forEach((name, metric) -> {
                if (name.tags().containsKey("node-id") || name.tags().containsKey("topic")) return;
                if (metric.metricValue() instanceof Double d) m.put(name.group() + ":" + name.name(), d);
            });
            long ms = TimeUnit.NANOSECONDS.toMillis(lastReadNanos - start);
            return String.format("consume, one consumer on every partition from the start: %,d of %,d records, the"
                    + " last %,d ms after it started (%,.0f records/s); %,.0f fetches, request size avg %,.0f B"
                    + " max %,.0f B, %,.0f B sent and %,.0f B received in all",
                    read.get(), total, ms, read.get() * 1000.0 / Math.max(1, ms),
                    m.getOrDefault("consumer-fetch-manager-metrics:fetch-total", -1.0),
                    m.getOrDefault("consumer-metrics:request-size-avg", -1.0),
                    m.getOrDefault("consumer-metrics:request-size-max", -1.0),
                    m.getOrDefault("consumer-metrics:outgoing-byte-total", -1.0),
                    m.getOrDefault("consumer-metrics:incoming-byte-total", -1.0));
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(30_000);
            consumer.close(java.time.Duration.ofSeconds(5));
        }
    }

    private static Produced produce(String bootstrap, List<String> names, int partitions, int seconds) throws Exception {
        byte[] value = new byte[100];
        long sent = 0;
        long warmStart = System.nanoTime();
        long start;
        long end;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 256L << 20))) {
            // Warm up: one record to every partition, so the producer has the metadata and every log its queue.
            java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
            for (String name : names) {
                for (int p = 0; p < partitions; p++) {
                    producer.send(new ProducerRecord<>(name, p, null, value));
                }
            }
            producer.flush();
            long warmMs = millisSince(warmStart);
            start = System.nanoTime();
            end = start + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                for (String name : names) {
                    for (int p = 0; p < partitions && System.nanoTime() < end; p++) {
                        producer.send(new ProducerRecord<>(name, p, null, value), (m, e) -> {
                            if (e != null) failed.incrementAndGet();
                        });
                        sent++;
                    }
                }
            }
            producer.flush();
            long ms = millisSince(start);
            return new Produced(String.format("produce, acks=1, 100 B: first record to each of %,d partitions %,d ms;"
                    + " then round robin over them: %,d records in %,d ms (%,.0f records/s, %,d failed)",
                    names.size() * partitions, warmMs, sent, ms, sent * 1000.0 / ms, failed.get()),
                    (long) names.size() * partitions + sent - failed.get());
        }
    }

    /**
     * Until the three nodes together hold {@code expected} log directories of the topics; a deleted
     * log's directory, renamed to {@code *-delete} until its files are gone, counts if {@code deleted}.
     */
    private static void awaitPartitionDirectories(Path dir, List<String> names, long expected, boolean deleted)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (true) {
            long held = 0;
            for (int id = 1; id <= 3; id++) {
                Path data = dir.resolve("node-" + id).resolve("data").resolve("logs");
                try (Stream<Path> children = Files.list(data)) {
                    held += children.filter(p -> deleted || !p.getFileName().toString().endsWith("-delete"))
                            .filter(p -> names.stream().anyMatch(n -> p.getFileName().toString().startsWith(n + "-")))
                            .count();
                }
            }
            if (held == expected) return;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(held + " partition directories, not " + expected);
            }
            Thread.sleep(100);
        }
    }

    /** RSS, open file descriptors and memory maps of each node's JVM, from /proc. */
    private static String nodeResources(ProcessCluster cluster) {
        return IntStream.rangeClosed(1, 3).mapToObj(id -> {
            long pid = cluster.pid(id);
            try {
                String rss = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                        .filter(l -> l.startsWith("VmRSS:")).map(l -> l.substring(6).trim()).findFirst().orElse("?");
                long fds;
                try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                    fds = s.count();
                }
                long maps;
                try (Stream<String> s = Files.lines(Path.of("/proc", Long.toString(pid), "maps"))) {
                    maps = s.count();
                }
                return String.format("node %d RSS %s, %,d fds, %,d maps", id, rss, fds, maps);
            } catch (IOException e) {
                return "node " + id + ": " + e;
            }
        }).collect(Collectors.joining("; "));
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 600_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 1_800_000));
    }
}
