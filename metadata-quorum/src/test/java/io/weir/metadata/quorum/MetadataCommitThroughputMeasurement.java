package io.weir.metadata.quorum;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.weir.controller.QuorumController;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.config.AlterConfigOp;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.topic.CreatableTopic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not an assertion: metadata records committed per second through the QuorumController on a
 * 3-voter loopback quorum, for one-record writes with 64 in flight and for 201-record batches
 * (CreateTopics of 100 topics). Skipped unless {@code -Dweir.measure.throughput=true}; prints
 * and writes target/commit-throughput.txt. The JMH benchmark belongs in {@code bench}.
 */
class MetadataCommitThroughputMeasurement {
    private static final int SMALL_WRITES = 3000;
    private static final int IN_FLIGHT = 64;
    private static final int BIG_BATCHES = 20;

    @TempDir
    Path dir;

    @Test
    void recordsPerSecond() throws Exception {
        assumeTrue(Boolean.getBoolean("weir.measure.throughput"),
            "set -Dweir.measure.throughput=true");
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).startAll()) {
            int leader = cluster.awaitActive();
            QuorumController c = cluster.node(leader).controller();
            BrokerRegistrationReply r = c.registerBroker(new BrokerRegistrationRequest(1,
                new UUID(1, 1), List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092, null)),
                null)).get(20, TimeUnit.SECONDS);
            c.brokerHeartbeat(new BrokerHeartbeatRequest(1, r.brokerEpoch(), c.image().offset(), false,
                false))
                .get(20, TimeUnit.SECONDS);
            c.createTopics(List.of(CreatableTopic.of("cfg", 1, 1)), false).get(20, TimeUnit.SECONDS);

            ConfigResource topic = ConfigResource.topic("cfg");
            Deque<CompletableFuture<?>> inFlight = new ArrayDeque<>();
            long start = System.nanoTime();
            for (int i = 0; i < SMALL_WRITES; i++) {
                if (inFlight.size() >= IN_FLIGHT) {
                    inFlight.removeFirst().get(20, TimeUnit.SECONDS);
                }
                inFlight.addLast(c.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                    "retention.ms", AlterConfigOp.OpType.SET, Integer.toString(i)))), false));
            }
            for (CompletableFuture<?> f : inFlight) {
                f.get(20, TimeUnit.SECONDS);
            }
            double small = SMALL_WRITES / ((System.nanoTime() - start) / 1e9);

            start = System.nanoTime();
            int records = 0;
            for (int b = 0; b < BIG_BATCHES; b++) {
                List<CreatableTopic> topics = new ArrayList<>();
                for (int t = 0; t < 100; t++) {
                    topics.add(CreatableTopic.of("b" + b + "-" + t, 1, 1));
                }
                c.createTopics(topics, false).get(20, TimeUnit.SECONDS);
                records += 200;
            }
            double big = records / ((System.nanoTime() - start) / 1e9);
            String report = String.format("metadata commit throughput, 3 voters on loopback: "
                + "%.0f records/s with 1-record writes (%d in flight), %.0f records/s with "
                + "200-record batches (one at a time)", small, IN_FLIGHT, big);
            System.out.println(report);
            Files.writeString(Path.of("target", "commit-throughput.txt"), report + "\n",
                StandardCharsets.UTF_8);
        }
    }
}
