package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.chaos.ProcessCluster.Backend;
import io.weir.zk.ZooKeeperConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test but a measurement, run on demand (see docs/BENCHMARKS.md): controller failover on
 * each coordination backend, i.e. the time from kill -9 of the active controller's node to the
 * next committed metadata write (a CreateTopics that succeeds). Two three-node clusters run
 * side by side, one per backend, and the kills alternate between them, {@code
 * weir.measure.kills} (10) each, so both backends are measured in the same run under the same
 * load. The nodes keep their default timeouts (Ratis election 1–2 s; ZooKeeper session 18 s,
 * Kafka's default) unless {@code weir.measure.zookeeper.session.timeout.ms} says otherwise.
 * Writes {@code target/controller-failover-measurement.txt}.
 */
@EnabledIfSystemProperty(named = "weir.measure.controller.failover", matches = "true")
class ControllerFailoverMeasurement {
    @TempDir
    Path dir;

    @Test
    void killTheActiveControllerAndTimeTheNextCommittedMetadataWrite() throws Exception {
        int kills = Integer.getInteger("weir.measure.kills", 10);
        int zkSession = Integer.getInteger("weir.measure.zookeeper.session.timeout.ms",
                (int) ZooKeeperConfig.DEFAULT_SESSION_TIMEOUT.toMillis());
        Map<Backend, List<Long>> millis = new EnumMap<>(Backend.class);
        try (ProcessCluster ratis = new ProcessCluster(dir.resolve("ratis"), 3, Map.of(), Backend.RATIS);
             ProcessCluster zooKeeper = new ProcessCluster(dir.resolve("zookeeper"), 3, Map.of(), Backend.ZOOKEEPER,
                     zkSession)) {
            Map<Backend, ProcessCluster> clusters = new EnumMap<>(Map.of(Backend.RATIS, ratis,
                    Backend.ZOOKEEPER, zooKeeper));
            for (ProcessCluster cluster : clusters.values()) {
                cluster.startAll();
                for (int id = 1; id <= 3; id++) {
                    cluster.awaitListening(id, 60_000);
                }
            }
            for (int k = 0; k < kills; k++) {
                // Alternate which backend goes first, so neither always runs right after the other's restart.
                List<Backend> order = k % 2 == 0 ? List.of(Backend.RATIS, Backend.ZOOKEEPER)
                        : List.of(Backend.ZOOKEEPER, Backend.RATIS);
                for (Backend backend : order) {
                    ProcessCluster cluster = clusters.get(backend);
                    awaitSettled(cluster);
                    createTopic(cluster.bootstrapServers(), "warm-" + k);
                    int victim = cluster.activeController(Duration.ofSeconds(120));
                    long start = System.nanoTime();
                    cluster.killDashNine(victim);
                    createTopic(cluster.bootstrapServers(), "after-kill-" + k);
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    millis.computeIfAbsent(backend, b -> new ArrayList<>()).add(ms);
                    System.out.println(backend + " kill " + k + ": controller node " + victim
                            + " killed, next metadata commit after " + ms + " ms");
                    cluster.start(victim);
                    cluster.awaitListening(victim, 60_000);
                }
            }
        }
        StringBuilder summary = new StringBuilder("kill -9 of the active controller's node -> next committed"
                + " CreateTopics, " + kills + " kills per backend, alternating"
                + " (ZooKeeper session timeout " + zkSession + " ms; Ratis election timeout 1-2 s)\n");
        for (Map.Entry<Backend, List<Long>> e : millis.entrySet()) {
            List<Long> sorted = new ArrayList<>(e.getValue());
            Collections.sort(sorted);
            summary.append(e.getKey()).append(": median ").append(median(sorted)).append(" ms, min ")
                    .append(sorted.get(0)).append(" ms, max ").append(sorted.get(sorted.size() - 1))
                    .append(" ms, all ").append(e.getValue()).append('\n');
        }
        System.out.print(summary);
        Files.writeString(Path.of("target", "controller-failover-measurement.txt"), summary);
        assertThat(millis.values()).allSatisfy(l -> assertThat(l).hasSize(kills));
    }

    private static long median(List<Long> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Every node registered and a running node is the active controller. */
    private static void awaitSettled(ProcessCluster cluster) {
        try (Admin admin = admin(cluster.bootstrapServers())) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == 3);
        }
        cluster.activeController(Duration.ofSeconds(120));
    }

    /**
     * Creates a one-partition, RF=1 topic (so placement never waits for a dead broker to be
     * fenced), retrying until the controller commits it; a retry that finds the topic means an
     * earlier attempt committed.
     */
    private static void createTopic(String bootstrap, String topic) {
        try (Admin admin = admin(bootstrap)) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(5, TimeUnit.SECONDS);
                    return true;
                } catch (ExecutionException e) {
                    return e.getCause() instanceof TopicExistsException;
                } catch (TimeoutException e) {
                    return false;
                }
            });
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 20,
                AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200));
    }
}
