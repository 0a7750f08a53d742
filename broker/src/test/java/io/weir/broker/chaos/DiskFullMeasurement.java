package io.weir.broker.chaos;

import io.weir.broker.testing.ReadBack;
import io.weir.storage.SmallFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test but a measurement, run on demand, of the outside tester's disk-full case: one node
 * (its own JVM) whose data directory is a {@code weir.measure.fs.mib} MiB tmpfs (160), acks=all
 * 8 KiB records without retries until 3 windows of 200 have refusals; what was acknowledged, the
 * error each refusal got, what reads back; the file system then filled up completely and the node
 * restarted: whether it becomes ready in 60 s and what reads back; the space freed: whether
 * writes go through. Asserts nothing; writes {@code target/disk-full-measurement.txt}:
 *
 * <pre>
 * mvn -B -pl broker -am verify -Dtest=DiskFullMeasurement -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dweir.measure.disk.full=true
 * </pre>
 */
@EnabledIfSystemProperty(named = "weir.measure.disk.full", matches = "true")
class DiskFullMeasurement {
    private static final String TOPIC = DiskFullWrites.TOPIC;

    @TempDir
    Path dir;

    private final List<String> report = new ArrayList<>();

    @Test
    void measure() throws Exception {
        int mib = Integer.getInteger("weir.measure.fs.mib", 160);
        try (SmallFileSystem fs = SmallFileSystem.mount(dir.resolve("node-1").resolve("data"), mib);
             ProcessCluster cluster = new ProcessCluster(dir, 1, Map.of("broker.heartbeat.interval.ms", 200))) {
            cluster.start(1);
            cluster.awaitListening(1, 60_000);
            String bootstrap = cluster.bootstrapServers();
            DiskFullWrites.createTopic(bootstrap);

            Map<Long, String> acked = new TreeMap<>();
            Map<String, Integer> failures = new TreeMap<>();
            int sent;
            try (KafkaProducer<String, String> producer = producer(bootstrap, false)) {
                sent = DiskFullWrites.writeUntilRefused(producer, 200_000, acked, failures, refusal ->
                        refusal.getClass().getSimpleName() + " (" + String.valueOf(refusal.getMessage()).lines()
                                .findFirst().orElse("").replaceAll("\\d+", "N") + ")");
            }
            say("%d MiB tmpfs: %d records of 8 KiB sent, %d acknowledged; refusals by error: %s", mib, sent,
                    acked.size(), failures);
            say("latest offset (HW) %s; read back %s of the acknowledged records", latest(bootstrap),
                    readBack(bootstrap, acked));
            say("node log so far: %d ERROR lines, %d with InternalError, %d WARN lines",
                    cluster.logLines(1, " ERROR ").size(), cluster.logLines(1, "InternalError").size(),
                    cluster.logLines(1, " WARN ").size());

            Path rest = fs.fillUp("rest");
            cluster.stop(1);
            cluster.start(1);
            long started = System.nanoTime();
            String ready = "no";
            try {
                cluster.awaitListening(1, 60_000);
                long deadline = started + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline && !ready.startsWith("yes")) {
                    String latest = latest(bootstrap);
                    if (latest.equals(Long.toString(acked.size()))) {
                        ready = "yes, in " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s";
                    } else {
                        Thread.sleep(1_000);
                    }
                }
            } catch (RuntimeException e) {
                ready = "no: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            }
            say("restarted with the file system full: serves the acknowledged end offset within 60 s: %s; read back %s",
                    ready, ready.startsWith("yes") ? readBack(bootstrap, acked) : "-");
            say("NOT_CONTROLLER refusals logged since the restart: %d",
                    cluster.logLines(1, "registration refused: ApiStatus[error=NOT_CONTROLLER").size());

            Files.delete(rest);
            int after = 0;
            if (cluster.isRunning(1)) {
                try (KafkaProducer<String, String> producer = producer(bootstrap, true)) {
                    for (int i = 0; i < 20; i++) {
                        try {
                            acked.put(producer.send(new ProducerRecord<>(TOPIC, 0, null, "after-" + i))
                                    .get(30, TimeUnit.SECONDS).offset(), "after-" + i);
                            after++;
                        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                            break;
                        }
                    }
                }
            }
            say("space freed: %d of 20 acks=all writes acknowledged", after);
            cluster.stop(1);
            cluster.start(1);
            String finalRead;
            try {
                cluster.awaitListening(1, 60_000);
                finalRead = readBack(bootstrap, acked);
            } catch (RuntimeException e) {
                finalRead = "node did not start: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            }
            say("after another restart: read back %s acknowledged records; node log: %d ERROR lines in all",
                    finalRead, cluster.logLines(1, " ERROR ").size());
        } finally {
            Files.write(Path.of("target", "disk-full-measurement.txt"), report);
            Path log = dir.resolve("node-1").resolve("node.log");
            if (Files.exists(log)) {
                Files.copy(log, Path.of("target", "disk-full-measurement-node.log"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private void say(String format, Object... args) {
        String line = String.format(format, args);
        System.out.println(line);
        report.add(line);
    }

    private static KafkaProducer<String, String> producer(String bootstrap, boolean retrying) {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000));
        if (!retrying) {
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
            config.put(ProducerConfig.RETRIES_CONFIG, 0);
            config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        }
        return new KafkaProducer<>(config);
    }

    private static String latest(String bootstrap) {
        try (Admin admin = ChaosTopic.admin(bootstrap)) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            return Long.toString(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)
                    .get(10, TimeUnit.SECONDS).offset());
        } catch (Exception e) {
            return "unavailable (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** "n of m", counting acknowledged records found at their acknowledged offsets. */
    private static String readBack(String bootstrap, Map<Long, String> acked) throws IOException {
        List<String> expected = List.copyOf(acked.values());
        List<String> read = ReadBack.values(bootstrap, TOPIC, 1, Map.of(0, expected), Duration.ofSeconds(30))
                .getOrDefault(0, List.of());
        int found = 0;
        int i = 0;
        for (String value : expected) {
            if (i < read.size() && read.get(i).equals(value)) {
                found++;
            }
            i++;
        }
        return found + " of " + expected.size() + " (" + read.size() + " records read)";
    }
}
