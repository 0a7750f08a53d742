package io.weir.zk;

import io.weir.controller.coordination.Coordination;
import io.weir.controller.coordination.CoordinationContractTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The backend-neutral contract, on a real ZooKeeper server (one per class, a chroot per test). */
class ZooKeeperCoordinationContractTest extends CoordinationContractTest {
    private static final AtomicInteger GROUPS = new AtomicInteger();
    @TempDir
    static Path zkDir;
    private static EmbeddedZooKeeper zk;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zk = EmbeddedZooKeeper.start(zkDir);
    }

    @AfterAll
    static void stopZooKeeper() {
        zk.close();
    }

    @Override
    protected List<Coordination> createMembers(int n, Path dir) {
        String connect = zk.connectString() + "/contract-" + GROUPS.incrementAndGet();
        List<Coordination> members = new ArrayList<>();
        for (int id = 1; id <= n; id++) {
            members.add(new ZooKeeperCoordination(config(connect, id)));
        }
        return members;
    }

    /** Three-second sessions: a crashed controller is replaced within about that. */
    static ZooKeeperConfig config(String connect, int nodeId) {
        return ZooKeeperConfig.of(connect, "test", nodeId, "127.0.0.1", 9000 + nodeId)
            .withTimeouts(Duration.ofMillis(3_000), Duration.ofMillis(3_000));
    }

    @Override
    protected void crash(Coordination member) {
        ((ZooKeeperCoordination) member).crash();
    }
}
