package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.weir.broker.testing.KeptLogs;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.AfterEach;

/**
 * A partition leader frozen with SIGSTOP (a hung JVM: sockets open, nothing answered) while an
 * acks=all producer writes: the controller fences it after the session timeout, a follower
 * takes over, and writes to its partitions are acknowledged again while it is still frozen;
 * a follower's fetcher blocked on the frozen leader must not hold up the new leadership. After
 * the thaw, every acknowledged record is there exactly once.
 */
class FrozenLeaderTest {
    private static final ChaosTopic TOPIC = new ChaosTopic("frozen", 3);
    private static final Map<String, Object> NODE_CONFIG = Map.of(
            "broker.heartbeat.interval.ms", 200,
            "broker.session.timeout.ms", 3000,
            "replica.lag.time.max.ms", 3000);
    private static final long FREEZE_MS = 25_000;
    /** Enough to see acknowledgements stop and resume; unbounded, the read-back took most of the test. */
    private static final int WRITES_PER_SECOND = 5_000;
    /** Shorter than the session timeout: no failover can have happened yet. */
    private static final long SETTLE_MS = 1_500;
    /** Session timeout, election, metadata propagation and client retries, with room for a loaded machine. */
    private static final long ACKS_RESUME_WITHIN_MS = 18_000;

    /** Deleted pass or fail; every node's log is kept in target/test-logs (KeptLogs). */
    @TempDir
    Path dir;

    @AfterEach
    void keepLogs(TestInfo test) {
        KeptLogs.copy(dir, test);
    }

    @Test
    void writesResumeOnTheNewLeaderWhileTheOldOneIsStillFrozen() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG)) {
            TOPIC.startAndCreate(cluster);
            String bootstrap = cluster.bootstrapServers();
            int partition = partitionNotLedByTheController(bootstrap);
            int victim = TOPIC.leaderOf(bootstrap, partition);
            Map<Integer, List<String>> acked = new HashMap<>();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> TOPIC.write(bootstrap, stop, acked, failed, WRITES_PER_SECOND), "frozen-writer");
            writer.start();
            long resumedAfterMs;
            try {
                Thread.sleep(3_000);
                System.out.println("SIGSTOP node " + victim + ", leader of " + TOPIC.name + "-" + partition);
                cluster.freeze(victim);
                long frozenAt = System.nanoTime();
                try {
                    // Answers the node sent before it stopped still arrive; none can come from a new
                    // leader before the session timeout, so the count from here on is the new leader's.
                    Thread.sleep(SETTLE_MS);
                    int before = ackedOn(acked, partition);
                    long deadline = frozenAt + TimeUnit.MILLISECONDS.toNanos(ACKS_RESUME_WITHIN_MS);
                    while (ackedOn(acked, partition) <= before && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    resumedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt);
                    assertThat(ackedOn(acked, partition))
                            .as("writes to %s-%d acknowledged within %d ms while node %d is frozen", TOPIC.name,
                                    partition, ACKS_RESUME_WITHIN_MS, victim)
                            .isGreaterThan(before);
                    System.out.println("acks on " + TOPIC.name + "-" + partition + " resumed " + resumedAfterMs
                            + " ms after the freeze");
                    Thread.sleep(Math.max(0, FREEZE_MS - resumedAfterMs));
                } finally {
                    cluster.thaw(victim);
                }
                TOPIC.awaitFullIsr(bootstrap);
                Thread.sleep(1_000);
            } finally {
                stop.set(true);
                writer.join(120_000);
            }
            System.out.println("acknowledged " + acked.values().stream().mapToInt(List::size).sum()
                    + ", failed sends " + failed.get());
            TOPIC.assertReadBackExactlyOnceInOrder(bootstrap, acked);
        }
    }

    private static int ackedOn(Map<Integer, List<String>> acked, int partition) {
        synchronized (acked) {
            return acked.getOrDefault(partition, List.of()).size();
        }
    }

    /** Freezing the active controller too would measure a controller election as well. */
    private static int partitionNotLedByTheController(String bootstrap) throws Exception {
        try (Admin admin = ChaosTopic.admin(bootstrap)) {
            int controller = admin.describeCluster().controller().get(15, TimeUnit.SECONDS).id();
            for (int p = 0; p < TOPIC.partitions; p++) {
                if (TOPIC.leaderOf(bootstrap, p) != controller) {
                    return p;
                }
            }
        }
        return 0;
    }
}
