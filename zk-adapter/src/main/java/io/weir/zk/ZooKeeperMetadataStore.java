package io.weir.zk;

import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.coordination.StoredMetadata;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.MetadataImageSerde;
import io.weir.controller.record.MetadataRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;

/**
 * A cluster's metadata in ZooKeeper read or seeded while no Weir node runs on it: the export
 * and import side of a move between backends.
 *
 * <p><b>Reading</b> is what a starting node does ({@link LogReader}): the newest snapshot, then
 * the dense run of log batches after it; the epoch is {@code /weir/controller_epoch}.
 *
 * <p><b>Seeding</b> writes the layout a first node would create, with the controller epoch
 * znode at the exported epoch and the image as the only snapshot, at the image's offset. A node
 * starting on it loads that snapshot, and the first batch the new cluster commits is at the
 * image's offset + 1, so the metadata offsets continue above the exported ones.
 */
public final class ZooKeeperMetadataStore implements AutoCloseable {
    private final ZooKeeperConnect connect;
    private final String clusterId;
    private final CuratorFramework client;
    private final ZnodeStore store;

    /**
     * Connects (waiting up to {@code timeout}).
     *
     * @throws IllegalStateException when ZooKeeper cannot be reached in time
     */
    public ZooKeeperMetadataStore(ZooKeeperConnect connect, String clusterId, Duration timeout) {
        this.connect = connect;
        this.clusterId = clusterId;
        this.client = CuratorFrameworkFactory.builder()
            .connectString(connect.ensemble())
            .namespace(connect.namespace())
            .sessionTimeoutMs((int) Math.max(timeout.toMillis(), 4_000))
            .connectionTimeoutMs((int) timeout.toMillis())
            .retryPolicy(new BoundedExponentialBackoffRetry(100, 1_000, 3))
            .build();
        this.store = new ZnodeStore(client);
        client.start();
        try {
            if (!client.blockUntilConnected((int) timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                client.close();
                throw new IllegalStateException("cannot connect to ZooKeeper at " + connect + " within "
                    + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new IllegalStateException("interrupted while connecting to ZooKeeper", e);
        }
    }

    /** Whether ZooKeeper holds no metadata log or snapshot under this path. */
    public boolean isEmpty() throws Exception {
        return children(Znodes.LOG).isEmpty() && children(Znodes.SNAPSHOTS).isEmpty();
    }

    /**
     * The committed metadata under this path, or empty when it holds none.
     *
     * @throws IllegalStateException when the path belongs to another cluster
     */
    public Optional<StoredMetadata> read() throws Exception {
        checkClusterId();
        if (client.checkExists().forPath(Znodes.CLUSTER_ID) == null || isEmpty()) {
            return Optional.empty();
        }
        LogReader reader = new LogReader(0, store, null, NO_EVENTS);
        reader.catchUp();
        long epoch = ElectionPlan.nextEpoch(client.getData().forPath(Znodes.CONTROLLER_EPOCH)) - 1;
        return Optional.of(new StoredMetadata(reader.image(), Math.max(0, epoch)));
    }

    /**
     * Seeds an empty path with {@code metadata}.
     *
     * @throws IllegalStateException when the path belongs to another cluster or already holds metadata
     */
    public void seed(StoredMetadata metadata) throws Exception {
        checkClusterId();
        if (!isEmpty()) {
            throw new IllegalStateException("ZooKeeper at " + connect + " already holds Weir metadata under "
                + Znodes.ROOT + "; seed an empty chroot");
        }
        MetadataImage image = metadata.image();
        if (image.offset() < 0) {
            throw new IllegalArgumentException("cannot seed an empty image (offset -1)");
        }
        for (String path : List.of(Znodes.LOG, Znodes.SNAPSHOTS, Znodes.CHUNKS)) {
            createIfAbsent(path, new byte[0]);
        }
        createIfAbsent(Znodes.CONTROLLER_EPOCH, ElectionPlan.epochZnode(0));
        client.setData().forPath(Znodes.CONTROLLER_EPOCH, ElectionPlan.epochZnode(metadata.controllerEpoch()));
        long token = ThreadLocalRandom.current().nextLong();
        Blob.Encoded blob = Blob.encode(metadata.controllerEpoch(), token, new MetadataImageSerde().encode(image),
            Blob.PIECE_BYTES);
        for (int i = 0; i < blob.chunks().size(); i++) {
            client.create().forPath(Znodes.chunk(Znodes.Kind.SNAPSHOT, image.offset(), token, i + 1),
                blob.chunks().get(i));
        }
        client.create().forPath(Znodes.head(Znodes.Kind.SNAPSHOT, image.offset()), blob.head());
        // Last: a seed that failed before this line left no cluster id, so nothing claims the path.
        createIfAbsent(Znodes.CLUSTER_ID, clusterId.getBytes(StandardCharsets.UTF_8));
    }

    private void checkClusterId() throws Exception {
        if (client.checkExists().forPath(Znodes.CLUSTER_ID) == null) {
            return;
        }
        String owner = new String(client.getData().forPath(Znodes.CLUSTER_ID), StandardCharsets.UTF_8);
        if (!owner.equals(clusterId)) {
            throw new IllegalStateException("ZooKeeper path " + connect + Znodes.ROOT + " belongs to cluster '"
                + owner + "', not '" + clusterId + "'");
        }
    }

    private List<String> children(String path) throws Exception {
        try {
            return client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    private void createIfAbsent(String path, byte[] data) throws Exception {
        try {
            client.create().creatingParentsIfNeeded().forPath(path, data);
        } catch (KeeperException.NodeExistsException e) {
            // Already there.
        }
    }

    @Override
    public void close() {
        client.close();
    }

    private static final CoordinationListener NO_EVENTS = new CoordinationListener() {
        @Override
        public void onCommit(long offset, long controllerEpoch, List<MetadataRecord> records) {
        }

        @Override
        public void onSnapshot(MetadataImage image) {
        }

        @Override
        public void onLeadershipGained(long controllerEpoch) {
        }

        @Override
        public void onLeadershipLost(long controllerEpoch) {
        }
    };
}
