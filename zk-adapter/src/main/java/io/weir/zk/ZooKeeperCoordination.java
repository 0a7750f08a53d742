package io.weir.zk;

import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.Coordination;
import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.coordination.NotControllerException;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.MetadataImageSerde;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.MetadataRecordSerde;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Coordination} on ZooKeeper, through Apache Curator. The znodes are described in
 * {@link Znodes}; the module's README explains the design.
 *
 * <ul>
 *   <li><b>Log.</b> Each append is one head znode {@code /weir/metadata/log/<offset>} (plus
 *   chunk znodes written first when the encoded batch is above 512 KiB, see {@link Blob}).
 *   The active controller writes at the offset after the last one it delivered, so offsets
 *   are dense.</li>
 *   <li><b>Election and epoch.</b> A node wins by creating the ephemeral
 *   {@code /weir/controller} and raising {@code /weir/controller_epoch} by one in the same
 *   multi-op, conditional on the epoch znode's version; so epochs strictly increase and at
 *   most one node holds each.</li>
 *   <li><b>Fencing.</b> A head is created in a multi-op that also checks the epoch znode's
 *   version (the one this node's election produced) and that {@code /weir/controller} still
 *   exists: once another node is elected, or this node's session is gone, the write fails
 *   and nothing of it is visible.</li>
 *   <li><b>Delivery.</b> Every node reads the log in offset order on one worker thread, woken
 *   by watches, by reconnects and by a periodic poll, and remembers the last offset it
 *   delivered, so a reconnect or a new session resumes exactly there.</li>
 *   <li><b>Session.</b> When the connection is suspended or the session lost, the controller
 *   resigns at once: before ZooKeeper can expire the session and let another node win.</li>
 *   <li><b>Snapshots.</b> The active controller stores the image every
 *   {@link ZooKeeperConfig#snapshotEveryBatches()} batches and deletes the log before the
 *   previous snapshot; a starting or far-behind node loads the snapshot first.</li>
 * </ul>
 *
 * <p>ZooKeeper work runs on one worker thread; listener callbacks run on another, in order,
 * so a slow listener never delays a resignation.
 */
public final class ZooKeeperCoordination implements Coordination {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperCoordination.class);
    private static final int MAX_CATCH_UP_ROUNDS = 20;
    private static final int MAX_BATCHES_PER_ROUND = 10_000;
    private static final int MAX_DELETES_PER_COMPACTION = 10_000;
    private static final long CLOSE_TIMEOUT_MS = 5_000;

    private final ZooKeeperConfig config;
    private final CuratorFramework client;
    private final MetadataRecordSerde recordSerde = new MetadataRecordSerde();
    private final MetadataImageSerde imageSerde = new MetadataImageSerde();
    private final ScheduledExecutorService worker;
    private final ExecutorService callbacks;
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final CuratorWatcher watcher = event -> requestRefresh();
    private volatile CoordinationListener listener;
    private volatile boolean closed;
    private volatile boolean connected;

    /** Guards the leader epoch and the posting of leadership and controller events, so they stay in order. */
    private final Object leadership = new Object();
    private long leaderEpoch = -1;
    private Optional<ControllerLocation> controller = Optional.empty();

    // Written on the worker thread only; volatile for the test accessors.
    private volatile int epochVersion = -1;
    private volatile long delivered = -1;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private long latestSnapshot = -1;

    public ZooKeeperCoordination(ZooKeeperConfig config) {
        this.config = Objects.requireNonNull(config);
        int id = config.nodeId();
        this.client = CuratorFrameworkFactory.builder()
            .connectString(config.connect().ensemble())
            .namespace(config.connect().namespace())
            .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
            .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
            // Bounded: a read or write gives up after a few reconnect attempts and is retried
            // by the next refresh, so the worker never blocks for long.
            .retryPolicy(new BoundedExponentialBackoffRetry(100, 1_000, 3))
            .waitForShutdownTimeoutMs((int) CLOSE_TIMEOUT_MS)
            .threadFactory(daemon("weir-zk-curator-" + id))
            .build();
        this.worker = Executors.newSingleThreadScheduledExecutor(daemon("weir-zk-" + id));
        this.callbacks = Executors.newSingleThreadExecutor(daemon("weir-zk-events-" + id));
    }

    @Override
    public int nodeId() {
        return config.nodeId();
    }

    /** The image replayed from what this node delivered (for tests and diagnostics). */
    public MetadataImage deliveredImage() {
        return image;
    }

    /**
     * Connects (waiting up to the connection timeout), creates the layout if this is the first
     * node and checks the cluster id, then starts delivering in the background.
     *
     * @throws IllegalStateException when ZooKeeper cannot be reached or the path belongs to
     *     another cluster
     */
    @Override
    public synchronized void start(CoordinationListener l) {
        if (listener != null) {
            throw new IllegalStateException("already started");
        }
        listener = Objects.requireNonNull(l, "listener");
        client.getConnectionStateListenable().addListener((c, state) -> onConnectionState(state));
        client.start();
        try {
            if (!client.blockUntilConnected((int) config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("cannot connect to ZooKeeper at " + config.connect()
                    + " within " + config.connectionTimeout().toMillis() + " ms");
            }
            initialize();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to ZooKeeper", e);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot prepare the Weir znodes at " + config.connect() + ": " + e, e);
        }
        connected = true;
        long poll = config.pollInterval().toMillis();
        worker.scheduleWithFixedDelay(this::requestRefresh, 0, poll, TimeUnit.MILLISECONDS);
        LOG.info("node {} uses ZooKeeper at {} for metadata (session timeout {} ms)", nodeId(),
            config.connect(), config.sessionTimeout().toMillis());
    }

    private void initialize() throws Exception {
        for (String path : List.of(Znodes.LOG, Znodes.SNAPSHOTS, Znodes.CHUNKS)) {
            createIfAbsent(path, new byte[0]);
        }
        createIfAbsent(Znodes.CONTROLLER_EPOCH, "0".getBytes(StandardCharsets.UTF_8));
        createIfAbsent(Znodes.CLUSTER_ID, config.clusterId().getBytes(StandardCharsets.UTF_8));
        String owner = new String(client.getData().forPath(Znodes.CLUSTER_ID), StandardCharsets.UTF_8);
        if (!owner.equals(config.clusterId())) {
            throw new IllegalStateException("ZooKeeper path " + config.connect() + Znodes.ROOT
                + " belongs to cluster '" + owner + "', not '" + config.clusterId()
                + "'; give each cluster its own chroot");
        }
    }

    private void createIfAbsent(String path, byte[] data) throws Exception {
        try {
            client.create().creatingParentsIfNeeded().forPath(path, data);
        } catch (KeeperException.NodeExistsException e) {
            // Another node (or an earlier run) made it.
        }
    }

    // ---- session ----

    private void onConnectionState(ConnectionState state) {
        switch (state) {
            case CONNECTED, RECONNECTED -> {
                connected = true;
                LOG.info("node {}: ZooKeeper connection {}", nodeId(), state);
                requestRefresh();
            }
            case SUSPENDED, LOST, READ_ONLY -> {
                connected = false;
                LOG.info("node {}: ZooKeeper connection {}; not acting as controller until reconnected",
                    nodeId(), state);
                // Stop writing now: ZooKeeper lets another node win only once the session has
                // expired, which is later than the client notices the lost connection.
                resign("the ZooKeeper connection is " + state);
                setController(Optional.empty());
            }
        }
    }

    private long sessionId() throws Exception {
        return client.getZookeeperClient().getZooKeeper().getSessionId();
    }

    // ---- the worker's duty cycle ----

    private void requestRefresh() {
        if (closed || !refreshQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            worker.execute(() -> {
                refreshQueued.set(false);
                refresh();
            });
        } catch (RejectedExecutionException e) {
            refreshQueued.set(false);
        }
    }

    /** Catches up with the log, follows or takes the controller role, snapshots if leading. */
    private void refresh() {
        if (closed || !connected) {
            return;
        }
        try {
            catchUp();
            Stat stat = client.checkExists().usingWatcher(watcher).forPath(Znodes.CONTROLLER);
            if (stat == null) {
                setController(Optional.empty());
                elect(-1);
            } else if (stat.getEphemeralOwner() == sessionId()) {
                if (leaderEpoch() < 0) {
                    // This session still holds a leadership this node gave up (a suspended
                    // connection came back, or an append's outcome was unknown): take it again
                    // at a new epoch, after catching up, so the controller restarts cleanly.
                    elect(stat.getVersion());
                }
            } else {
                ControllerZnode z = ControllerZnode.parse(client.getData().forPath(Znodes.CONTROLLER));
                resign("node " + z.brokerId() + " is the active controller at epoch " + z.epoch());
                setController(Optional.of(z.location()));
            }
            if (leaderEpoch() >= 0) {
                maybeSnapshot();
            }
        } catch (KeeperException.NoNodeException e) {
            requestRefresh(); // the controller znode went away between two reads
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!closed) {
                LOG.warn("node {}: reading metadata from ZooKeeper failed, will retry: {}", nodeId(), e.toString());
            }
        }
    }

    /**
     * Tries to become the active controller at the next epoch: creates the ephemeral controller
     * znode and raises the epoch in one multi-op (deleting this session's stale controller
     * znode first when {@code ownStaleVersion} is not -1).
     */
    private void elect(int ownStaleVersion) throws Exception {
        Stat epochStat = new Stat();
        long epoch = Long.parseLong(new String(client.getData().storingStatIn(epochStat)
            .forPath(Znodes.CONTROLLER_EPOCH), StandardCharsets.UTF_8).trim()) + 1;
        ControllerLocation location = new ControllerLocation(nodeId(), epoch, config.controllerHost(),
            config.controllerPort());
        List<CuratorOp> ops = new ArrayList<>();
        if (ownStaleVersion >= 0) {
            ops.add(client.transactionOp().delete().withVersion(ownStaleVersion).forPath(Znodes.CONTROLLER));
        }
        ops.add(client.transactionOp().create().withMode(CreateMode.EPHEMERAL)
            .forPath(Znodes.CONTROLLER, ControllerZnode.of(location).toBytes()));
        ops.add(client.transactionOp().setData().withVersion(epochStat.getVersion())
            .forPath(Znodes.CONTROLLER_EPOCH, Long.toString(epoch).getBytes(StandardCharsets.UTF_8)));
        if (closed) {
            return; // a closing node that just resigned must not take its own controller znode back
        }
        try {
            client.transaction().forOperations(ops);
        } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException
                 | KeeperException.NoNodeException e) {
            // Another node won (its controller znode fires our watch), or a retried multi found
            // its own first attempt (the next refresh sees our znode and takes it again).
            LOG.debug("node {} did not win the election for epoch {}: {}", nodeId(), epoch, e.toString());
            return;
        }
        epochVersion = epochStat.getVersion() + 1;
        // From here on no batch of an earlier epoch can commit: the log as read now is complete.
        catchUp();
        latestSnapshot = Math.max(latestSnapshot, latestSnapshotOffset());
        synchronized (leadership) {
            if (closed || !connected) {
                return;
            }
            leaderEpoch = epoch;
            LOG.info("node {} is the active controller at epoch {} (metadata offset {})", nodeId(), epoch,
                delivered);
            setController(Optional.of(location));
            post(() -> listener.onLeadershipGained(epoch));
        }
    }

    private long leaderEpoch() {
        synchronized (leadership) {
            return leaderEpoch;
        }
    }

    /** Gives up whatever epoch this node leads. */
    private void resign(String why) {
        synchronized (leadership) {
            resign(leaderEpoch, why);
        }
    }

    private void resign(long epoch, String why) {
        synchronized (leadership) {
            if (epoch < 0 || leaderEpoch != epoch) {
                return;
            }
            leaderEpoch = -1;
            LOG.info("node {} stops being the active controller of epoch {}: {}", nodeId(), epoch, why);
            post(() -> listener.onLeadershipLost(epoch));
        }
    }

    private void setController(Optional<ControllerLocation> location) {
        synchronized (leadership) {
            if (!controller.equals(location)) {
                controller = location;
                post(() -> listener.onControllerChanged(location));
            }
        }
    }

    // ---- reading the log ----

    /** Delivers every batch the log holds after {@link #delivered}, loading the snapshot first when needed. */
    private void catchUp() throws Exception {
        for (int round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
            List<Long> offsets = offsets(Znodes.LOG, true);
            try {
                if (LogPlan.needsSnapshot(delivered, offsets)) {
                    latestSnapshot = Math.max(latestSnapshot, latestSnapshotOffset());
                    if (latestSnapshot > delivered) {
                        loadSnapshot(latestSnapshot);
                    }
                }
                List<Long> toRead = LogPlan.toRead(delivered, offsets, MAX_BATCHES_PER_ROUND);
                for (long offset : toRead) {
                    Read r = read(Znodes.Kind.LOG, offset);
                    deliverCommit(offset, r.header().epoch(), recordSerde.decode(r.payload()));
                }
                if (toRead.size() < MAX_BATCHES_PER_ROUND) {
                    if (!offsets.isEmpty() && offsets.get(offsets.size() - 1) > delivered) {
                        LOG.warn("node {}: metadata log has no batch after offset {} but holds {}..{}; retrying",
                            nodeId(), delivered, offsets.get(0), offsets.get(offsets.size() - 1));
                        continue;
                    }
                    return;
                }
            } catch (KeeperException.NoNodeException e) {
                // Deleted by a compaction while we read: list again (and take the snapshot).
                LOG.debug("node {}: {} went away while reading; listing again", nodeId(), e.getPath());
            }
        }
        throw new IllegalStateException("could not catch up with the metadata log in "
            + MAX_CATCH_UP_ROUNDS + " rounds");
    }

    private List<Long> offsets(String parent, boolean watch) throws Exception {
        List<String> names = watch ? client.getChildren().usingWatcher(watcher).forPath(parent)
            : client.getChildren().forPath(parent);
        return names.stream().mapToLong(Znodes::parseOffset).filter(o -> o >= 0).sorted().boxed().toList();
    }

    private long latestSnapshotOffset() throws Exception {
        List<Long> snapshots = offsets(Znodes.SNAPSHOTS, false);
        return snapshots.isEmpty() ? -1 : snapshots.get(snapshots.size() - 1);
    }

    private record Read(Blob.Header header, byte[] payload) {
    }

    private Read read(Znodes.Kind kind, long offset) throws Exception {
        byte[] head = client.getData().forPath(Znodes.head(kind, offset));
        Blob.Header header = Blob.header(head);
        List<byte[]> chunks = new ArrayList<>(header.pieces() - 1);
        for (int i = 1; i < header.pieces(); i++) {
            chunks.add(client.getData().forPath(Znodes.chunk(kind, offset, header.token(), i)));
        }
        return new Read(header, Blob.assemble(head, chunks));
    }

    private void loadSnapshot(long offset) throws Exception {
        MetadataImage loaded = imageSerde.decode(read(Znodes.Kind.SNAPSHOT, offset).payload());
        if (loaded.offset() != offset) {
            throw new IllegalStateException("snapshot znode " + offset + " holds an image at offset " + loaded.offset());
        }
        image = loaded;
        delivered = offset;
        LOG.info("node {} loaded the metadata snapshot at offset {}", nodeId(), offset);
        post(() -> listener.onSnapshot(loaded));
    }

    private void deliverCommit(long offset, long epoch, List<MetadataRecord> records) {
        if (offset != delivered + 1) {
            throw new IllegalStateException("metadata offsets must be dense: delivered " + delivered
                + ", next is " + offset);
        }
        try {
            image = image.apply(offset, records);
        } catch (RuntimeException e) {
            // Every node replays the same batch, so this is a controller bug; keep the image.
            LOG.error("node {} cannot replay the committed batch at offset {}", nodeId(), offset, e);
            image = image.withOffset(offset);
        }
        delivered = offset;
        post(() -> listener.onCommit(offset, epoch, records));
    }

    // ---- writing ----

    @Override
    public CompletableFuture<Long> append(long controllerEpoch, List<MetadataRecord> records) {
        return submitAppend(controllerEpoch, -1, List.copyOf(records));
    }

    /**
     * Appends as if this node still led {@code epoch} with the epoch znode at {@code version}:
     * skips this node's own view of its leadership, so tests can show that ZooKeeper itself
     * refuses a deposed controller's batch.
     */
    CompletableFuture<Long> appendFencedOnlyByZooKeeper(long epoch, int version, List<MetadataRecord> records) {
        return submitAppend(epoch, version, List.copyOf(records));
    }

    /** The epoch znode version this node's latest election produced (the fencing token). */
    int fencingVersion() {
        return epochVersion;
    }

    long zooKeeperSessionId() throws Exception {
        return sessionId();
    }

    private CompletableFuture<Long> submitAppend(long epoch, int version, List<MetadataRecord> batch) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(notController("node " + nodeId() + " is closed"));
            return result;
        }
        try {
            worker.execute(() -> appendOnWorker(epoch, version, batch, result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(notController("node " + nodeId() + " is closed"));
            return result;
        }
        return result.orTimeout(config.appendTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void appendOnWorker(long epoch, int versionOverride, List<MetadataRecord> batch,
                                CompletableFuture<Long> result) {
        if (result.isDone()) {
            return; // timed out while queued: never written, so the outcome the caller saw is true
        }
        int version = versionOverride;
        if (version < 0) {
            if (closed || !connected || leaderEpoch() != epoch) {
                result.completeExceptionally(notController("node " + nodeId() + " does not lead epoch " + epoch));
                return;
            }
            version = epochVersion;
        }
        long offset = delivered + 1;
        long token = ThreadLocalRandom.current().nextLong();
        Blob.Encoded blob = Blob.encode(epoch, token, recordSerde.encode(batch), Blob.PIECE_BYTES);
        try {
            writeChunks(Znodes.Kind.LOG, offset, blob);
            commit(version, Znodes.head(Znodes.Kind.LOG, offset), blob.head());
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            resign(epoch, "ZooKeeper refused a batch of epoch " + epoch + " (another controller was elected)");
            result.completeExceptionally(notController("batch of epoch " + epoch
                + " fenced: the controller epoch or the controller znode changed"));
            requestRefresh();
            return;
        } catch (KeeperException.NodeExistsException e) {
            if (!committedByThisAttempt(offset, token)) {
                resign(epoch, "metadata offset " + offset + " was already taken");
                result.completeExceptionally(new IllegalStateException("metadata offset " + offset
                    + " was already taken; not committed"));
                requestRefresh();
                return;
            }
            // A retried multi-op found its own first attempt: committed.
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // The batch may or may not have committed. Resigning makes the controller start
            // again from what the log holds, once this node (or another) is elected again.
            resign(epoch, "the outcome of an append is unknown (" + e + ")");
            result.completeExceptionally(new IllegalStateException("outcome of the append at epoch " + epoch
                + " is unknown: " + e, e));
            requestRefresh();
            return;
        }
        deliverCommit(offset, epoch, batch);
        if (!result.complete(offset)) {
            resign(epoch, "a batch committed after its append timed out");
            requestRefresh();
        }
        maybeSnapshot();
    }

    private void writeChunks(Znodes.Kind kind, long offset, Blob.Encoded blob) throws Exception {
        for (int i = 0; i < blob.chunks().size(); i++) {
            try {
                client.create().forPath(Znodes.chunk(kind, offset, blob.header().token(), i + 1), blob.chunks().get(i));
            } catch (KeeperException.NodeExistsException e) {
                // A retried create: the token makes the name ours alone.
            }
        }
    }

    /**
     * Creates a head, fenced: only while the epoch znode is at {@code epochVersion} and a
     * controller znode exists (one created with that epoch, as every election changes both).
     */
    private void commit(int version, String path, byte[] head) throws Exception {
        client.transaction().forOperations(
            client.transactionOp().check().withVersion(version).forPath(Znodes.CONTROLLER_EPOCH),
            client.transactionOp().check().withVersion(0).forPath(Znodes.CONTROLLER),
            client.transactionOp().create().forPath(path, head));
    }

    private boolean committedByThisAttempt(long offset, long token) {
        try {
            return Blob.header(client.getData().forPath(Znodes.head(Znodes.Kind.LOG, offset))).token() == token;
        } catch (Exception e) {
            return false;
        }
    }

    // ---- snapshots ----

    private void maybeSnapshot() {
        long epoch = leaderEpoch();
        long at = delivered;
        if (epoch < 0 || at - latestSnapshot < config.snapshotEveryBatches()) {
            return;
        }
        MetadataImage snapshot = image;
        Blob.Encoded blob = Blob.encode(epoch, ThreadLocalRandom.current().nextLong(),
            imageSerde.encode(snapshot), Blob.PIECE_BYTES);
        try {
            writeChunks(Znodes.Kind.SNAPSHOT, at, blob);
            commit(epochVersion, Znodes.head(Znodes.Kind.SNAPSHOT, at), blob.head());
        } catch (KeeperException.NodeExistsException e) {
            LOG.debug("node {}: a snapshot at offset {} exists already", nodeId(), at);
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            resign(epoch, "ZooKeeper refused a snapshot of epoch " + epoch);
            return;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("node {} could not store a metadata snapshot at offset {}: {}", nodeId(), at, e.toString());
            return;
        }
        latestSnapshot = at;
        LOG.info("node {} stored a metadata snapshot at offset {} ({} bytes, {} znodes)", nodeId(), at,
            blob.header().length(), blob.header().pieces());
        compact(at);
    }

    /** Deletes what the new snapshot makes unnecessary; leftovers go at the next snapshot. */
    private void compact(long snapshot) {
        try {
            List<String> deletions = LogPlan.deletions(snapshot, offsets(Znodes.SNAPSHOTS, false),
                offsets(Znodes.LOG, false), client.getChildren().forPath(Znodes.CHUNKS),
                MAX_DELETES_PER_COMPACTION);
            for (String path : deletions) {
                try {
                    client.delete().forPath(path);
                } catch (KeeperException.NoNodeException e) {
                    // Already gone.
                }
            }
            LOG.debug("node {} deleted {} metadata znodes up to snapshot {}", nodeId(), deletions.size(), snapshot);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("node {} could not delete old metadata znodes: {}", nodeId(), e.toString());
        }
    }

    // ---- the rest of the SPI ----

    @Override
    public Optional<ControllerLocation> activeController() {
        if (closed) {
            return Optional.empty();
        }
        synchronized (leadership) {
            return controller;
        }
    }

    /**
     * Resigns, stops the worker (bounded), and closes the session, which makes ZooKeeper
     * delete {@code /weir/controller} at once so another node is elected without waiting for
     * the session timeout.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        resign("node " + nodeId() + " is closing");
        stop(worker);
        client.close();
        stop(callbacks);
    }

    /**
     * Stops as a crash would: no resignation, no callbacks, and the session is abandoned
     * rather than closed, so ZooKeeper keeps this node's controller znode until the session
     * times out.
     */
    void crash() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        worker.shutdownNow();
        callbacks.shutdownNow();
        try {
            client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        } catch (Exception e) {
            LOG.debug("node {}: abandoning the session failed: {}", nodeId(), e.toString());
        }
        client.close();
    }

    private static void stop(ExecutorService executor) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }

    private NotControllerException notController(String message) {
        return new NotControllerException(message, activeController());
    }

    /** Runs a listener callback on the callback thread; after close, callbacks are dropped. */
    private void post(Runnable callback) {
        try {
            callbacks.execute(() -> {
                try {
                    callback.run();
                } catch (RuntimeException e) {
                    LOG.error("metadata listener of node {} failed", nodeId(), e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("node {} is closed; dropping a metadata event", nodeId());
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
