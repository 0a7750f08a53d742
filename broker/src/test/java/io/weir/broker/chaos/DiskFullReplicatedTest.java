package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.storage.SmallFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes, RF=3, min.insync.replicas=2; node 1's data directory is a small tmpfs this test
 * mounts, and fills up while an idempotent acks=all producer writes. The cluster keeps taking
 * writes through the other replicas, leadership and the ISRs leave node 1; once space is freed
 * it rejoins the ISRs and leads again (preferred leader election), and every acknowledged record
 * is read back exactly once, in order.
 */
class DiskFullReplicatedTest {
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    @Test
    void writesGoOnThroughTheOtherReplicasWhileOneNodesDiskIsFull() throws Exception {
        try {
            run();
        } finally {
            Path log = dir.resolve("node-1").resolve("node.log");
            if (Files.exists(log)) {
                Files.copy(log, Path.of("target", "DiskFullReplicatedTest-node-1.log"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private void run() throws Exception {
        ChaosTopic topic = new ChaosTopic("replicated-full", PARTITIONS);
        try (SmallFileSystem fs = SmallFileSystem.mount(dir.resolve("node-1").resolve("data"), 64);
             ProcessCluster cluster = new ProcessCluster(dir, 3, Map.of("broker.heartbeat.interval.ms", 200,
                     "replica.lag.time.max.ms", 5_000, "leader.imbalance.check.interval.ms", 2_000))) {
            // Each node the preferred leader of one partition.
            topic.startAndCreate(cluster, Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1), 2, List.of(3, 1, 2)));
            String bootstrap = cluster.bootstrapServers();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> leaders(bootstrap, topic.name).contains(1));

            Map<Integer, List<String>> acked = new HashMap<>();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> topic.write(bootstrap, stop, acked, failed), "writer");
            writer.start();
            try {
                awaitAcked(acked, 200);
                Path filler = fs.fillUp("filler");

                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                        .until(() -> !leaders(bootstrap, topic.name).contains(1)
                                && isrs(bootstrap, topic.name).stream().noneMatch(isr -> isr.contains(1)));
                int whileFull = count(acked);
                Thread.sleep(5_000);
                assertThat(count(acked) - whileFull).as("acknowledged in 5 s while node 1 was full").isGreaterThan(200);
                assertThat(leaders(bootstrap, topic.name)).doesNotContain(1);
                assertThat(isrs(bootstrap, topic.name)).noneMatch(isr -> isr.contains(1));
                assertThat(cluster.logLines(1, "asking the controller to move the leadership")).hasSize(1);

                Files.delete(filler);
                topic.awaitFullIsr(bootstrap);
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> leaders(bootstrap, topic.name).contains(1));
                awaitAcked(acked, count(acked) + 200);
            } finally {
                stop.set(true);
                writer.join(TimeUnit.MINUTES.toMillis(2));
            }
            assertThat(failed).as("writes that failed after the producer's retries").hasValue(0);
            topic.assertReadBackExactlyOnceInOrder(bootstrap, acked);
            // Filling the disk under running writes faults the mapped pages being written (SIGBUS,
            // surfacing as InternalError wherever each thread is at its next safepoint): at most
            // one stack trace per thread that was writing (request handlers, two fetchers), not a
            // flood, and no thread may die of it.
            assertThat(cluster.logLines(1, "java.lang.InternalError").stream()
                    .filter(l -> l.startsWith("java.lang.InternalError"))).hasSizeLessThan(8);
            assertThat(cluster.logLines(1, "Exception in thread")).as("threads that died").isEmpty();
            System.out.printf("disk full, RF=3: %d records acknowledged, 0 lost; node 1 ERROR lines: %d%n",
                    count(acked), cluster.logLines(1, " ERROR ").size());
        }
    }

    private static int count(Map<Integer, List<String>> acked) {
        synchronized (acked) {
            return acked.values().stream().mapToInt(List::size).sum();
        }
    }

    private static void awaitAcked(Map<Integer, List<String>> acked, int atLeast) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> count(acked) >= atLeast);
    }

    private static List<Integer> leaders(String bootstrap, String topic) throws Exception {
        return describe(bootstrap, topic).partitions().stream()
                .map(p -> p.leader() == null ? -1 : p.leader().id()).toList();
    }

    private static List<List<Integer>> isrs(String bootstrap, String topic) throws Exception {
        return describe(bootstrap, topic).partitions().stream()
                .map(TopicPartitionInfo::isr).map(isr -> isr.stream().map(n -> n.id()).toList()).toList();
    }

    private static TopicDescription describe(String bootstrap, String topic) throws Exception {
        try (Admin admin = ChaosTopic.admin(bootstrap)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        }
    }
}
