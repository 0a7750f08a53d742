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
 * No spurious failover with the default (short) broker session: a partition leader paused for
 * a GC-sized stall (SIGSTOP for 1 s, then SIGCONT), several times, while an acks=all producer
 * writes, is never fenced and keeps its leadership; its writes are delayed, not failed, and every
 * acknowledged record is there exactly once.
 */
class PausedLeaderTest {
    private static final ChaosTopic TOPIC = new ChaosTopic("paused", 3);
    private static final long PAUSE_MS = 1_000;
    /** One in the default build (about 30 s with the cluster), five with -Pchaos. */
    private static final int PAUSES = Boolean.getBoolean("weir.chaos.long") ? 5 : 1;

    /** Deleted pass or fail; every node's log is kept in target/test-logs (KeptLogs). */
    @TempDir
    Path dir;

    @AfterEach
    void keepLogs(TestInfo test) {
        KeptLogs.copy(dir, test);
    }

    @Test
    void aLeaderPausedForOneSecondIsNotFencedAndKeepsLeading() throws Exception {
        // The nodes' defaults: the point is that the default session timeout rides out the pause.
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, Map.of())) {
            TOPIC.startAndCreate(cluster);
            String bootstrap = cluster.bootstrapServers();
            TOPIC.awaitFullIsr(bootstrap);
            int partition = partitionNotLedByTheController(bootstrap);
            int victim = TOPIC.leaderOf(bootstrap, partition);
            Map<Integer, List<String>> acked = new HashMap<>();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> TOPIC.write(bootstrap, stop, acked, failed), "paused-writer");
            writer.start();
            try {
                Thread.sleep(2_000);
                for (int i = 0; i < PAUSES; i++) {
                    int before = ackedOn(acked, partition);
                    System.out.println("SIGSTOP node " + victim + ", leader of " + TOPIC.name + "-" + partition
                            + ", for " + PAUSE_MS + " ms");
                    cluster.freeze(victim);
                    try {
                        Thread.sleep(PAUSE_MS);
                    } finally {
                        cluster.thaw(victim);
                    }
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (ackedOn(acked, partition) <= before && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertThat(ackedOn(acked, partition)).as("writes to the paused leader resume after pause %d", i)
                            .isGreaterThan(before);
                    Thread.sleep(2_000);
                }
            } finally {
                stop.set(true);
                writer.join(120_000);
            }
            for (int id = 1; id <= 3; id++) {
                assertThat(cluster.logLines(id, "after missed heartbeats"))
                        .as("node %d's controller fenced nobody for missed heartbeats", id).isEmpty();
            }
            assertThat(TOPIC.leaderOf(bootstrap, partition)).as("the paused node still leads").isEqualTo(victim);
            assertThat(failed.get()).as("sends that failed").isZero();
            TOPIC.assertReadBackExactlyOnceInOrder(bootstrap, acked);
        }
    }

    private static int ackedOn(Map<Integer, List<String>> acked, int partition) {
        synchronized (acked) {
            return acked.getOrDefault(partition, List.of()).size();
        }
    }

    /** Pausing the active controller would test the quorum's election timeout instead. */
    private static int partitionNotLedByTheController(String bootstrap) throws Exception {
        try (Admin admin = ChaosTopic.admin(bootstrap)) {
            int controller = admin.describeCluster().controller().get(15, TimeUnit.SECONDS).id();
            for (int p = 0; p < TOPIC.partitions; p++) {
                if (TOPIC.leaderOf(bootstrap, p) != controller) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("the controller leads every partition of " + TOPIC.name);
    }
}
