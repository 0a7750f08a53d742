package io.weir.metadata.quorum;

import static org.awaitility.Awaitility.await;

import io.weir.controller.ControllerConfig;
import io.weir.controller.QuorumController;
import io.weir.controller.coordination.NotControllerException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** Metadata quorum members in one JVM on loopback ports, each with a QuorumController. */
final class QuorumCluster implements AutoCloseable {
    static final Duration AWAIT = Duration.ofSeconds(60);
    /** Loopback tests elect faster than production; measurements may override these. */
    static final long ELECTION_MIN_MS = Long.getLong("weir.test.electionMinMs", 400);
    static final long ELECTION_MAX_MS = Long.getLong("weir.test.electionMaxMs", 800);

    record Node(RatisCoordination coordination, QuorumController controller) {
    }

    private final Path dir;
    private final List<QuorumPeer> voters = new ArrayList<>();
    private final List<QuorumPeer> listeners = new ArrayList<>();
    private final long snapshotEvery;
    private long logSegmentBytes = RatisConfig.DEFAULT_LOG_SEGMENT_BYTES;
    private final Map<Integer, Node> running = new ConcurrentSkipListMap<>();
    /** Mutual TLS on the quorum port (gRPC) from this CA; null: plaintext Netty. */
    private TestCertificates ca = Boolean.getBoolean("weir.test.quorumTls") ? new TestCertificates("weir test CA") : null;

    QuorumCluster(Path dir, int voterCount, int listenerCount, long snapshotEvery) {
        this.dir = dir;
        this.snapshotEvery = snapshotEvery;
        for (int id = 1; id <= voterCount + listenerCount; id++) {
            QuorumPeer p = new QuorumPeer(id, "127.0.0.1", freePort(), 0);
            (id <= voterCount ? voters : listeners).add(p);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RatisConfig config(int nodeId) {
        return RatisConfig.of(nodeId, voters, listeners, dir.resolve("node-" + nodeId))
            .withSnapshotEveryEntries(snapshotEvery)
            .withElectionTimeout(Duration.ofMillis(ELECTION_MIN_MS), Duration.ofMillis(ELECTION_MAX_MS))
            .withLogSegmentBytes(logSegmentBytes)
            .withTls(ca == null ? null : ca.node(nodeId));
    }

    /** Runs the quorum over mutual TLS with certificates from {@code authority}. */
    QuorumCluster tls(TestCertificates authority) {
        this.ca = authority;
        return this;
    }

    List<QuorumPeer> voters() {
        return List.copyOf(voters);
    }

    QuorumCluster logSegmentBytes(long bytes) {
        this.logSegmentBytes = bytes;
        return this;
    }

    QuorumCluster startAll() {
        voters.forEach(p -> start(p.nodeId()));
        listeners.forEach(p -> start(p.nodeId()));
        return this;
    }

    Node start(int nodeId) {
        return start(config(nodeId));
    }

    /**
     * Starts a listener the voters were not configured with, as when a broker is added to a
     * running cluster: only its own config names it.
     */
    Node startUnannouncedListener(int nodeId) {
        QuorumPeer self = new QuorumPeer(nodeId, "127.0.0.1", freePort(), 0);
        RatisConfig base = config(voters.get(0).nodeId());
        return start(new RatisConfig(base.clusterId(), nodeId, voters, List.of(self),
            dir.resolve("node-" + nodeId), base.snapshotEveryEntries(), base.snapshotsRetained(),
            base.electionTimeoutMin(), base.electionTimeoutMax(), base.appendTimeout(),
            base.logSegmentBytes(), ca == null ? null : ca.node(nodeId)));
    }

    private Node start(RatisConfig config) {
        int nodeId = config.nodeId();
        RatisCoordination coordination = new RatisCoordination(config);
        QuorumController controller = QuorumController.create(coordination, ControllerConfig.DEFAULT);
        controller.start();
        Node node = new Node(coordination, controller);
        running.put(nodeId, node);
        return node;
    }

    void stop(int nodeId) {
        Node node = running.remove(nodeId);
        if (node != null) {
            node.coordination().close();
            node.controller().close();
        }
    }

    /** Stops a node as a crash would: no leadership hand-off. */
    void crash(int nodeId) {
        Node node = running.remove(nodeId);
        if (node != null) {
            node.coordination().crash();
            node.controller().close();
        }
    }

    Node node(int nodeId) {
        return running.get(nodeId);
    }

    Map<Integer, Node> running() {
        return running;
    }

    Optional<Integer> activeNodeId() {
        return running.entrySet().stream().filter(e -> e.getValue().controller().isActive())
            .map(Map.Entry::getKey).findFirst();
    }

    int awaitActive() {
        await().atMost(AWAIT).pollInterval(Duration.ofMillis(20))
            .until(() -> activeNodeId().isPresent());
        return activeNodeId().orElseThrow();
    }

    /** Runs a write on whichever node is active, retrying through elections (bounded). */
    <T> T write(Function<QuorumController, CompletableFuture<T>> op) throws Exception {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            Node active = activeNodeId().map(running::get).orElse(null);
            if (active == null) {
                Thread.sleep(10);
                continue;
            }
            try {
                return op.apply(active.controller()).get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof NotControllerException)) {
                    throw e;
                }
                last = e;
            } catch (TimeoutException e) {
                last = e;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no controller accepted the write within " + AWAIT, last);
    }

    /** Waits until every running node has replayed up to the highest offset among them. */
    void awaitConverged() {
        await().atMost(AWAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            long max = running.values().stream().mapToLong(n -> n.controller().image().offset())
                .max().orElse(-1);
            return running.values().stream().allMatch(n -> n.controller().image().offset() == max
                && n.coordination().stateMachineImage().offset() == max);
        });
    }

    int anyFollower(int leader) {
        return running.keySet().stream().filter(id -> id != leader)
            .filter(id -> voters.stream().anyMatch(v -> v.nodeId() == id))
            .min(Comparator.naturalOrder()).orElseThrow();
    }

    @Override
    public void close() {
        new ArrayList<>(running.keySet()).forEach(this::stop);
    }
}
