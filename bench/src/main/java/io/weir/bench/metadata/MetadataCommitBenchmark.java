package io.weir.bench.metadata;

import io.weir.bench.TempDirs;
import io.weir.controller.ControllerConfig;
import io.weir.controller.QuorumController;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.coordination.Coordination;
import io.weir.controller.config.AlterConfigOp;
import io.weir.controller.config.TopicConfigs;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.topic.CreatableTopic;
import io.weir.metadata.quorum.QuorumPeer;
import io.weir.metadata.quorum.RatisConfig;
import io.weir.metadata.quorum.RatisCoordination;
import io.weir.zk.ZooKeeperConfig;
import io.weir.zk.ZooKeeperCoordination;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Metadata commit throughput of three controller nodes in one JVM on loopback ports, on each
 * coordination backend: {@code backend=ratis}, a real 3-voter Ratis quorum (each commit
 * fsynced on a majority); {@code backend=zookeeper}, a real standalone ZooKeeper server with
 * its defaults (each commit one fenced multi-op, fsynced by the server). One op = one
 * metadata record committed by the active controller and replayed (a topic config change).
 * {@code oneInFlight} waits for each commit; {@code sixtyFourInFlight} keeps 64 requests
 * queued, which the controller coalesces into shared appends.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class MetadataCommitBenchmark {
    private static final int IN_FLIGHT = 64;
    private static final ConfigResource TOPIC = ConfigResource.topic("bench");

    @Param({"ratis", "zookeeper"})
    public String backend;

    private Path dir;
    private StandaloneZooKeeper zooKeeper;
    private final List<Coordination> coordinations = new ArrayList<>();
    private final List<QuorumController> controllers = new ArrayList<>();
    private QuorumController active;
    private long counter;

    @Setup(Level.Trial)
    public void startQuorum() throws Exception {
        dir = Files.createTempDirectory("weir-bench-quorum");
        for (Coordination coordination : createCoordinations()) {
            QuorumController controller = QuorumController.create(coordination, ControllerConfig.DEFAULT);
            coordinations.add(coordination);
            controllers.add(controller);
            controller.start();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (active == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no controller elected within 60 s");
            }
            active = controllers.stream().filter(QuorumController::isActive).findFirst().orElse(null);
            Thread.sleep(50);
        }
        BrokerRegistrationReply r = active.registerBroker(new BrokerRegistrationRequest(1, new UUID(1, 1),
                List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092, null)), null)).get(30, TimeUnit.SECONDS);
        active.brokerHeartbeat(new BrokerHeartbeatRequest(1, r.brokerEpoch(), active.image().offset(), false, false))
                .get(30, TimeUnit.SECONDS);
        active.createTopics(List.of(CreatableTopic.of("bench", 1, 1)), false).get(30, TimeUnit.SECONDS);
    }

    private List<Coordination> createCoordinations() throws Exception {
        List<Coordination> members = new ArrayList<>();
        switch (backend) {
            case "ratis" -> {
                List<QuorumPeer> voters = new ArrayList<>();
                for (int id = 1; id <= 3; id++) {
                    voters.add(new QuorumPeer(id, "127.0.0.1", freePort(), 0));
                }
                for (int id = 1; id <= 3; id++) {
                    members.add(new RatisCoordination(RatisConfig.of(id, voters, List.of(), dir.resolve("node-" + id))));
                }
            }
            case "zookeeper" -> {
                zooKeeper = StandaloneZooKeeper.start(dir.resolve("zookeeper"));
                for (int id = 1; id <= 3; id++) {
                    members.add(new ZooKeeperCoordination(ZooKeeperConfig.of(zooKeeper.connectString() + "/bench",
                            "bench", id, "127.0.0.1", 0)));
                }
            }
            default -> throw new IllegalArgumentException("backend must be ratis or zookeeper, not " + backend);
        }
        return members;
    }

    @TearDown(Level.Trial)
    public void stopQuorum() throws IOException {
        for (QuorumController c : controllers) {
            c.close();
        }
        for (Coordination c : coordinations) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort: the JVM exits after the trial anyway
            }
        }
        if (zooKeeper != null) {
            zooKeeper.close();
        }
        TempDirs.delete(dir);
    }

    private CompletableFuture<?> write() {
        return active.incrementalAlterConfigs(Map.of(TOPIC, List.of(new AlterConfigOp(TopicConfigs.RETENTION_MS,
                AlterConfigOp.OpType.SET, Long.toString(++counter)))), false);
    }

    @Benchmark
    public Object oneInFlight() throws Exception {
        return write().get(30, TimeUnit.SECONDS);
    }

    @Benchmark
    @OperationsPerInvocation(IN_FLIGHT)
    public Object sixtyFourInFlight() throws Exception {
        CompletableFuture<?>[] futures = new CompletableFuture<?>[IN_FLIGHT];
        for (int i = 0; i < IN_FLIGHT; i++) {
            futures[i] = write();
        }
        return CompletableFuture.allOf(futures).get(30, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
