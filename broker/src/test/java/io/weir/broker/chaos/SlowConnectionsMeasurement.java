package io.weir.broker.chaos;

import io.weir.broker.testing.SlowSenders;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Not a test but a measurement, run on demand: one node in its own JVM ({@code -Xmx512m}) gets
 * {@code weir.measure.connections} connections (2,000) that each announce a 100 MiB request, send
 * {@code weir.measure.sent.kib} KiB (512) of it and stall for {@code weir.measure.seconds} (60),
 * while a real producer (acks=all) writes and an admin client creates a topic. Reports the
 * node's peak resident set size and whether the clients were served; writes
 * {@code target/slow-connections-measurement.txt}.
 *
 * <pre>
 * mvn -B -pl broker -am verify -Dtest=SlowConnectionsMeasurement -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dweir.measure.slow.connections=true
 * </pre>
 */
@EnabledIfSystemProperty(named = "weir.measure.slow.connections", matches = "true")
class SlowConnectionsMeasurement {
    private static final int ANNOUNCED = 100 * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void slowConnectionsAnnouncingHugeRequests() throws Exception {
        int connections = Integer.getInteger("weir.measure.connections", 2_000);
        int sentKib = Integer.getInteger("weir.measure.sent.kib", 512);
        int seconds = Integer.getInteger("weir.measure.seconds", 60);
        // Extra node settings, "key: value" lines separated by \n (YAML keys of NodeConfig).
        Map<String, String> extra = new java.util.LinkedHashMap<>();
        for (String line : System.getProperty("weir.measure.extra", "").split("\\\\n|\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                extra.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        List<String> report = new ArrayList<>();
        try (ProcessCluster cluster = new ProcessCluster(dir, 1, extra)) {
            cluster.startAll();
            cluster.awaitListening(1, 60_000);
            String bootstrap = cluster.bootstrapServers();
            InetSocketAddress address = new InetSocketAddress("127.0.0.1",
                    Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1)));
            long pid = cluster.pid(1);
            try (Admin admin = admin(bootstrap)) {
                admin.createTopics(List.of(new NewTopic("before", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            report.add("rss before: " + rssMiB(pid) + " MiB");

            AtomicLong peakRss = new AtomicLong();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(rssMiB(pid), Math::max), 0, 500,
                    TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            try (SlowSenders senders = SlowSenders.open(address, connections, ANNOUNCED, sentKib * 1024, 120,
                    TimeUnit.SECONDS)) {
                report.add("slow connections opened: " + senders.opened() + ", refused: " + senders.refused()
                        + ", bytes sent: " + senders.bytesSent() / (1024 * 1024) + " MiB in "
                        + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " s");
                report.add("rss with slow connections: " + rssMiB(pid) + " MiB");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                int acked = 0;
                int failed = 0;
                List<Long> latencies = new ArrayList<>();
                String topicCreate;
                try (Admin admin = admin(bootstrap)) {
                    long t0 = System.nanoTime();
                    try {
                        admin.createTopics(List.of(new NewTopic("during", 1, (short) 1))).all()
                                .get(30, TimeUnit.SECONDS);
                        topicCreate = "ok in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms";
                    } catch (Exception e) {
                        topicCreate = "failed: " + e;
                    }
                }
                try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                    while (System.nanoTime() < deadline) {
                        long t0 = System.nanoTime();
                        try {
                            producer.send(new ProducerRecord<>("before", "v" + acked)).get(30, TimeUnit.SECONDS);
                            acked++;
                            latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                        } catch (Exception e) {
                            failed++;
                        }
                        Thread.sleep(200);
                    }
                }
                report.add("topic create during: " + topicCreate);
                report.add("acks=all sends during " + seconds + " s: " + acked + " acknowledged, " + failed
                        + " failed, max latency " + latencies.stream().mapToLong(Long::longValue).max().orElse(-1)
                        + " ms");
                report.add("slow connections closed by the node: " + senders.closedByPeer() + " of "
                        + senders.opened());
            }
            sampler.shutdownNow();
            report.add("peak rss: " + peakRss.get() + " MiB; node alive: " + cluster.isRunning(1));
            report.add("node log WARN/ERROR lines: " + countLines(dir.resolve("node-1/node.log")));
        }
        report.forEach(System.out::println);
        Files.write(Path.of("target", "slow-connections-measurement.txt"), report);
    }

    private static long rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException gone) {
            return -1;
        }
        return -1;
    }

    private static String countLines(Path log) throws IOException {
        long warn = 0;
        long error = 0;
        for (String line : Files.readAllLines(log)) {
            if (line.contains(" WARN ")) warn++;
            if (line.contains(" ERROR ")) error++;
        }
        return warn + " WARN, " + error + " ERROR";
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }
}
