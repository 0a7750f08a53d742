package io.weir.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.coordination.StoredMetadata;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.TopicRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline read and seed of a cluster's metadata in a real ZooKeeper server: the read holds the
 * snapshot plus the log after it; a seeded path starts a node at the seeded offset, whose
 * controller continues above it at a higher epoch.
 */
class ZooKeeperMetadataStoreTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final AtomicInteger PATHS = new AtomicInteger();

    @TempDir
    static Path zkDir;
    private static EmbeddedZooKeeper zk;

    private final String connect = zk.connectString() + "/store-test-" + PATHS.incrementAndGet();

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zk = EmbeddedZooKeeper.start(zkDir);
    }

    @AfterAll
    static void stopZooKeeper() {
        zk.close();
    }

    private ZooKeeperMetadataStore store(String clusterId) {
        return new ZooKeeperMetadataStore(ZooKeeperConnect.parse(connect), clusterId, TIMEOUT);
    }

    private static List<MetadataRecord> topic(String name) {
        return List.of(new TopicRecord(name, UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void readingAStoppedClustersPathGivesItsSnapshotPlusTheLogAfterIt() throws Exception {
        MetadataImage written;
        long epoch;
        // A snapshot every 3 batches: 8 batches leave a snapshot and a tail.
        ZooKeeperCoordination node = new ZooKeeperCoordination(ZooKeeperCoordinationContractTest.config(connect, 1)
            .withSnapshotEveryBatches(3));
        Leader leader = new Leader();
        node.start(leader);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> leader.epoch > 0);
            epoch = leader.epoch;
            for (int i = 0; i < 8; i++) {
                node.append(epoch, topic("t" + i)).get(30, TimeUnit.SECONDS);
            }
            written = node.deliveredImage();
        } finally {
            node.close();
        }
        try (ZooKeeperMetadataStore store = store("test")) {
            StoredMetadata read = store.read().orElseThrow();
            assertThat(read.image()).isEqualTo(written);
            assertThat(read.controllerEpoch()).isEqualTo(epoch);
        }
    }

    @Test
    void aSeededPathStartsANodeAtTheSeededOffsetAndRefusesASecondSeed() throws Exception {
        MetadataImage image = MetadataImage.fromRecords(41, topic("moved"));
        try (ZooKeeperMetadataStore store = store("test")) {
            assertThat(store.read()).isEmpty();
            store.seed(new StoredMetadata(image, 7));
            assertThat(store.read().orElseThrow()).isEqualTo(new StoredMetadata(image, 7));
            assertThatThrownBy(() -> store.seed(new StoredMetadata(image, 7)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already holds Weir metadata");
        }
        try (ZooKeeperMetadataStore other = store("another-cluster")) {
            assertThatThrownBy(other::read).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("belongs to cluster");
        }

        ZooKeeperCoordination node = new ZooKeeperCoordination(ZooKeeperCoordinationContractTest.config(connect, 1));
        Leader leader = new Leader();
        node.start(leader);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> leader.epoch > 0);
            assertThat(leader.epoch).isGreaterThan(7);
            assertThat(leader.snapshotOffset).isEqualTo(41);
            assertThat(node.append(leader.epoch, topic("after")).get(30, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(node.deliveredImage().topic("moved")).isPresent();
        } finally {
            node.close();
        }
    }

    private static final class Leader implements CoordinationListener {
        volatile long epoch = -1;
        volatile long snapshotOffset = -1;

        @Override
        public void onCommit(long offset, long controllerEpoch, List<MetadataRecord> records) {
        }

        @Override
        public void onSnapshot(MetadataImage image) {
            snapshotOffset = image.offset();
        }

        @Override
        public void onLeadershipGained(long controllerEpoch) {
            epoch = controllerEpoch;
        }

        @Override
        public void onLeadershipLost(long controllerEpoch) {
        }
    }
}
