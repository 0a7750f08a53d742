package io.weir.metadata.quorum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.topic.CreatableTopic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a timed assertion: measures the time from closing the active controller of a 3-voter
 * loopback quorum to the next committed metadata write, 10 times, and prints the samples and
 * the median (also to target/failover-measurement.txt). Skipped unless
 * {@code -Dweir.measure.failover=true}.
 */
class ControllerFailoverMeasurement {
    private static final int TRIES = 10;

    @TempDir
    Path dir;

    @Test
    void medianTimeFromLosingTheControllerToTheNextCommittedWrite() throws Exception {
        assumeTrue(Boolean.getBoolean("weir.measure.failover"), "set -Dweir.measure.failover=true");
        String crash = measure(true);
        String graceful = measure(false);
        System.out.println(crash);
        System.out.println(graceful);
        Files.writeString(Path.of("target", "failover-measurement.txt"),
            crash + "\n" + graceful + "\n", StandardCharsets.UTF_8);
    }

    private String measure(boolean crash) throws Exception {
        List<Long> samplesMs = new ArrayList<>();
        Path dir = this.dir.resolve(crash ? "crash" : "graceful");
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).startAll()) {
            cluster.awaitActive();
            BrokerRegistrationReply r = cluster.write(c -> c.registerBroker(
                new BrokerRegistrationRequest(1, new UUID(1, 1),
                    List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092, null)), null)));
            cluster.write(c -> c.brokerHeartbeat(
                new BrokerHeartbeatRequest(1, r.brokerEpoch(), c.image().offset(), false, false)));
            for (int i = 0; i < TRIES; i++) {
                int leader = cluster.awaitActive();
                String topic = "failover-" + i;
                long start = System.nanoTime();
                // Close on another thread: a crashed controller does not wait for its own
                // orderly shutdown (closing Netty channels can take seconds), the others don't.
                CompletableFuture<Void> closing = crash
                    ? CompletableFuture.runAsync(() -> cluster.crash(leader))
                    : CompletableFuture.runAsync(() -> cluster.stop(leader));
                cluster.write(c -> c.createTopics(List.of(CreatableTopic.of(topic, 1, 1)), false));
                samplesMs.add((System.nanoTime() - start) / 1_000_000);
                closing.get(60, TimeUnit.SECONDS);
                cluster.start(leader);
                cluster.awaitConverged();
                assertThat(cluster.node(leader).controller().image().topic(topic)).isPresent();
            }
        }
        List<Long> sorted = new ArrayList<>(samplesMs);
        sorted.sort(Long::compare);
        double median = (sorted.get(TRIES / 2 - 1) + sorted.get(TRIES / 2)) / 2.0;
        return "controller failover, " + (crash ? "crash (no hand-off)" : "graceful close (hand-off)")
            + " -> next committed write, 3 voters on loopback, election timeout "
            + QuorumCluster.ELECTION_MIN_MS + "-" + QuorumCluster.ELECTION_MAX_MS + " ms: "
            + "samples ms " + samplesMs + ", median " + median + " ms, min " + sorted.get(0)
            + " ms, max " + sorted.get(TRIES - 1) + " ms";
    }
}
