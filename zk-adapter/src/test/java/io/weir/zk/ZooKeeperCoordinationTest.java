package io.weir.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.coordination.NotControllerException;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.MetadataRecordSerde;
import io.weir.controller.record.TopicRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the ZooKeeper backend must do beyond the shared contract, on a real ZooKeeper server:
 * session expiry, fencing in ZooKeeper itself, batches above ZooKeeper's 1 MiB limit,
 * snapshots for late joiners, and a server restart.
 */
class ZooKeeperCoordinationTest {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final AtomicInteger GROUPS = new AtomicInteger();

    @TempDir
    static Path zkDir;
    private static EmbeddedZooKeeper zk;

    private final String connect = zk.connectString() + "/zk-test-" + GROUPS.incrementAndGet();
    private final List<ZooKeeperCoordination> members = new ArrayList<>();
    private final List<Recorder> recorders = new ArrayList<>();

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zk = EmbeddedZooKeeper.start(zkDir);
    }

    @AfterAll
    static void stopZooKeeper() {
        zk.close();
    }

    @AfterEach
    void closeMembers() {
        members.forEach(ZooKeeperCoordination::close);
    }

    @Test
    void expiringTheActiveControllersSessionElectsANewControllerAndLosesNoCommit() throws Exception {
        start(3, 1_000);
        int old = awaitLeader(-1);
        long oldEpoch = recorders.get(old).gained;
        for (int i = 0; i < 5; i++) {
            append(old, oldEpoch, topic("before-" + i));
        }

        zk.expireSession(members.get(old).zooKeeperSessionId());

        await().atMost(AWAIT).until(() -> recorders.get(old).events.contains("lost " + oldEpoch));
        int next = awaitLeader(oldEpoch);
        long newEpoch = recorders.get(next).gained;
        assertThat(newEpoch).isGreaterThan(oldEpoch);
        assertThatThrownBy(() -> members.get(old).append(oldEpoch, topic("stale")).get(30, TimeUnit.SECONDS))
            .cause().isInstanceOf(NotControllerException.class);
        append(next, newEpoch, topic("after"));

        awaitEveryMemberHas(6);
        for (Recorder r : recorders) {
            assertThat(r.offsets).isSorted().doesNotHaveDuplicates().isEqualTo(recorders.get(next).offsets);
            assertThat(names(r)).containsExactly("before-0", "before-1", "before-2", "before-3", "before-4", "after");
        }
    }

    @Test
    void zooKeeperRefusesADeposedControllersBatchEvenIfTheNodeStillBelievesItLeads() throws Exception {
        start(2, 1_000);
        int old = awaitLeader(-1);
        long oldEpoch = recorders.get(old).gained;
        int oldFencingVersion = members.get(old).fencingVersion();
        append(old, oldEpoch, topic("committed"));

        zk.expireSession(members.get(old).zooKeeperSessionId());
        int next = awaitLeader(oldEpoch);

        assertThatThrownBy(() -> members.get(old)
            .appendFencedOnlyByZooKeeper(oldEpoch, oldFencingVersion, topic("stale")).get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NotControllerException.class);
        append(next, recorders.get(next).gained, topic("fresh"));
        awaitEveryMemberHas(2);
        for (Recorder r : recorders) {
            assertThat(names(r)).containsExactly("committed", "fresh");
        }
    }

    @Test
    void aTenThousandRecordBatchAboveZooKeepersOneMebibyteLimitRoundTrips() throws Exception {
        start(2, 1_000);
        int leader = awaitLeader(-1);
        List<MetadataRecord> big = new ArrayList<>();
        String padding = "p".repeat(150);
        for (int i = 0; i < 10_000; i++) {
            String name = "t" + i + "-" + padding;
            big.add(new TopicRecord(name, UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8))));
        }
        assertThat(new MetadataRecordSerde().encode(big).length).isGreaterThan(1024 * 1024);

        append(leader, recorders.get(leader).gained, big);

        awaitEveryMemberHas(1);
        for (Recorder r : recorders) {
            assertThat(r.batches.get(0)).isEqualTo(big);
            assertThat(r.image.topicsById()).hasSize(10_000);
        }
    }

    @Test
    void aLateJoinerLoadsTheSnapshotAndThenOnlyLaterBatches() throws Exception {
        start(2, 5);
        int leader = awaitLeader(-1);
        long epoch = recorders.get(leader).gained;
        long last = -1;
        for (int i = 0; i < 23; i++) {
            last = append(leader, epoch, topic("t" + i));
        }
        try (CuratorFramework inspector = CuratorFrameworkFactory.newClient(connect, new RetryOneTime(100))) {
            inspector.start();
            // Log batches before the previous snapshot are gone from ZooKeeper.
            await().atMost(AWAIT).until(() -> !inspector.getChildren().forPath(Znodes.LOG)
                .contains(Znodes.offsetName(0)));
            assertThat(inspector.getChildren().forPath(Znodes.SNAPSHOTS)).hasSize(1);
        }

        ZooKeeperCoordination late = member(3, 5);
        Recorder r = new Recorder();
        members.add(late);
        recorders.add(r);
        late.start(r);

        long end = last;
        await().atMost(AWAIT).until(() -> r.image.offset() == end);
        assertThat(r.events.get(0)).startsWith("snapshot ");
        long snapshotOffset = Long.parseLong(r.events.get(0).substring("snapshot ".length()));
        assertThat(snapshotOffset).isGreaterThan(0);
        assertThat(r.offsets).allMatch(o -> o > snapshotOffset);
        assertThat(r.image).isEqualTo(recorders.get(leader).image);
        assertThat(r.image.topicsById()).hasSize(23);
    }

    @Test
    void aRestartedServerLosesNoCommitAndDeliversNoneTwice() throws Exception {
        start(3, 4);
        int leader = awaitLeader(-1);
        long epoch = recorders.get(leader).gained;
        for (int i = 0; i < 6; i++) {
            append(leader, epoch, topic("before-" + i));
        }

        zk.restart();

        // The controller resigned when its connection was suspended; with the session intact
        // it (or another node) leads again at a higher epoch.
        int next = awaitLeader(epoch);
        append(next, recorders.get(next).gained, topic("after"));
        awaitEveryMemberHas(7);
        for (Recorder r : recorders) {
            assertThat(r.offsets).isSorted().doesNotHaveDuplicates().isEqualTo(recorders.get(next).offsets);
            assertThat(names(r)).endsWith("after").hasSize(7);
        }
    }

    // ---- helpers ----

    private ZooKeeperCoordination member(int id, long snapshotEvery) {
        return new ZooKeeperCoordination(ZooKeeperCoordinationContractTest.config(connect, id)
            .withSnapshotEveryBatches(snapshotEvery));
    }

    private void start(int n, long snapshotEvery) {
        for (int id = 1; id <= n; id++) {
            members.add(member(id, snapshotEvery));
            recorders.add(new Recorder());
        }
        for (int i = 0; i < n; i++) {
            members.get(i).start(recorders.get(i));
        }
    }

    /** Index of the member leading an epoch above {@code above}. */
    private int awaitLeader(long above) {
        int[] found = {-1};
        await().atMost(AWAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (int i = 0; i < recorders.size(); i++) {
                if (recorders.get(i).gained > above) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private long append(int member, long epoch, List<MetadataRecord> batch) throws Exception {
        return members.get(member).append(epoch, batch).get(30, TimeUnit.SECONDS);
    }

    private void awaitEveryMemberHas(int batches) {
        await().atMost(AWAIT).until(() -> recorders.stream().allMatch(r -> r.batches.size() >= batches));
    }

    private static List<MetadataRecord> topic(String name) {
        return List.of(new TopicRecord(name, UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8))));
    }

    private static List<String> names(Recorder r) {
        return r.batches.stream().flatMap(List::stream).map(rec -> ((TopicRecord) rec).name()).toList();
    }

    /** What a listener saw, and the image it replays from it. */
    private static final class Recorder implements CoordinationListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Long> offsets = new CopyOnWriteArrayList<>();
        final List<List<MetadataRecord>> batches = new CopyOnWriteArrayList<>();
        volatile MetadataImage image = MetadataImage.EMPTY;
        volatile long gained = -1;

        @Override
        public void onCommit(long offset, long epoch, List<MetadataRecord> records) {
            events.add("commit " + offset);
            offsets.add(offset);
            batches.add(records);
            image = image.apply(offset, records);
        }

        @Override
        public void onSnapshot(MetadataImage snapshot) {
            events.add("snapshot " + snapshot.offset());
            image = snapshot;
        }

        @Override
        public void onLeadershipGained(long epoch) {
            events.add("gained " + epoch);
            gained = epoch;
        }

        @Override
        public void onLeadershipLost(long epoch) {
            events.add("lost " + epoch);
            if (gained == epoch) {
                gained = -1;
            }
        }
    }
}
