package io.weir.zk;

import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.Coordination;
import io.weir.controller.coordination.QuorumDescription;
import io.weir.controller.coordination.QuorumMembership;
import io.weir.controller.coordination.VoterChangeException;
import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.coordination.NotControllerException;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.MetadataRecordSerde;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Coordination} on ZooKeeper, through Apache Curator: the shell that owns the
 * connection, the session, the worker thread and the SPI. The znodes are described in
 * {@link Znodes}; the module's README explains the design. The parts:
 *
 * <ul>
 *   <li>{@link LogReader} — delivery: every node reads the log in offset order and remembers
 *   the last offset it delivered, so a reconnect or a new session resumes exactly there.</li>
 *   <li>{@link ControllerElection} and {@link Leadership} — the ephemeral
 *   {@code /weir/controller} plus the epoch znode raised in one multi-op; the epoch znode's
 *   version is the fencing token every head write checks.</li>
 *   <li>{@link ZnodeStore} — heads and chunks ({@link Blob}); each append is one head znode,
 *   written at the offset after the last one delivered, so offsets are dense.</li>
 *   <li>{@link Snapshotter} — snapshots and compaction, so the log stays bounded.</li>
 *   <li>{@link OrderedCallbacks} — listener callbacks on their own thread, in order, so a slow
 *   listener never delays a resignation.</li>
 * </ul>
 *
 * <p>Session: when the connection is suspended or the session lost, the controller resigns at
 * once, before ZooKeeper can expire the session and let another node win. All ZooKeeper work
 * runs on one worker thread, woken by watches, by reconnects and by a periodic poll.
 */
public final class ZooKeeperCoordination implements Coordination, QuorumMembership {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperCoordination.class);
    private static final long CLOSE_TIMEOUT_MS = 5_000;

    private final ZooKeeperConfig config;
    private final CuratorFramework client;
    private final MetadataRecordSerde recordSerde = new MetadataRecordSerde();
    private final ScheduledExecutorService worker;
    private final OrderedCallbacks callbacks;
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final ZnodeStore store;
    private final Leadership leadership;
    private final LogReader reader;
    private final ControllerElection election;
    private final Snapshotter snapshotter;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile boolean connected;

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
            .threadFactory(OrderedCallbacks.daemon("weir-zk-curator-" + id))
            .build();
        this.worker = Executors.newSingleThreadScheduledExecutor(OrderedCallbacks.daemon("weir-zk-" + id));
        this.callbacks = new OrderedCallbacks(id);
        CuratorWatcher watcher = event -> requestRefresh();
        this.store = new ZnodeStore(client);
        this.leadership = new Leadership(id, callbacks);
        this.reader = new LogReader(id, store, watcher, callbacks);
        this.election = new ControllerElection(config, client, watcher, reader, leadership);
        this.snapshotter = new Snapshotter(config, store, reader, leadership, election);
    }

    @Override
    public int nodeId() {
        return config.nodeId();
    }

    /** The image replayed from what this node delivered (for tests and diagnostics). */
    public MetadataImage deliveredImage() {
        return reader.image();
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
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        callbacks.deliverTo(Objects.requireNonNull(l, "listener"));
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
        createIfAbsent(Znodes.CONTROLLER_EPOCH, ElectionPlan.epochZnode(0));
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
                leadership.resign("the ZooKeeper connection is " + state);
                leadership.setController(Optional.empty());
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
            reader.catchUp();
            election.step(sessionId(), () -> closed, () -> !closed && connected);
            if (leadership.epoch() >= 0) {
                snapshotter.maybeSnapshot();
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
        return election.fencingVersion();
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

    /**
     * Writes one batch at the offset after the last one delivered, fenced by the epoch znode's
     * version. Only a write ZooKeeper certainly refused fails with {@link NotControllerException};
     * when the outcome is unknown the node resigns, so the controller restarts from what the
     * log really holds once this node (or another) is elected again.
     */
    private void appendOnWorker(long epoch, int versionOverride, List<MetadataRecord> batch,
                                CompletableFuture<Long> result) {
        if (result.isDone()) {
            return; // timed out while queued: never written, so the outcome the caller saw is true
        }
        int version = versionOverride;
        if (version < 0) {
            if (closed || !connected || leadership.epoch() != epoch) {
                result.completeExceptionally(notController("node " + nodeId() + " does not lead epoch " + epoch));
                return;
            }
            version = election.fencingVersion();
        }
        long offset = reader.delivered() + 1;
        long token = ThreadLocalRandom.current().nextLong();
        Blob.Encoded blob = Blob.encode(epoch, token, recordSerde.encode(batch), Blob.PIECE_BYTES);
        try {
            store.writeFenced(Znodes.Kind.LOG, offset, blob, version);
        } catch (Exception e) {
            WriteOutcome outcome = WriteOutcome.of(e);
            boolean ownRetry = outcome == WriteOutcome.HEAD_EXISTS && store.logHeadHasToken(offset, token);
            if (!ownRetry) {
                failAppend(outcome, epoch, offset, e, result);
                return;
            }
            // A retried multi-op found its own first attempt: committed.
        }
        reader.deliverCommit(offset, epoch, batch);
        if (!result.complete(offset)) {
            leadership.resign(epoch, "a batch committed after its append timed out");
            requestRefresh();
        }
        snapshotter.maybeSnapshot();
    }

    private void failAppend(WriteOutcome outcome, long epoch, long offset, Exception e,
                            CompletableFuture<Long> result) {
        switch (outcome) {
            case FENCED -> {
                leadership.resign(epoch, "ZooKeeper refused a batch of epoch " + epoch
                    + " (another controller was elected)");
                result.completeExceptionally(notController("batch of epoch " + epoch
                    + " fenced: the controller epoch or the controller znode changed"));
            }
            case HEAD_EXISTS -> {
                leadership.resign(epoch, "metadata offset " + offset + " was already taken");
                result.completeExceptionally(new IllegalStateException("metadata offset " + offset
                    + " was already taken; not committed"));
            }
            case UNKNOWN -> {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                leadership.resign(epoch, "the outcome of an append is unknown (" + e + ")");
                result.completeExceptionally(new IllegalStateException("outcome of the append at epoch " + epoch
                    + " is unknown: " + e, e));
            }
        }
        requestRefresh();
    }

    // ---- the quorum as Kafka's DescribeQuorum reports it ----

    /**
     * ZooKeeper has no Raft quorum to describe, so this answers only what is true of the metadata
     * log: the active controller (this node, while it leads) as the one voter, the controller
     * epoch as its epoch and the offset of the last batch it delivered as the high watermark (it
     * appends only at the next offset after it, so its log end is the same). The other nodes are
     * not reported: they read the log from ZooKeeper, not from the leader.
     */
    @Override
    public Optional<QuorumDescription> describeQuorum() {
        long epoch = leadership.epoch();
        if (closed || epoch < 0) {
            return Optional.empty();
        }
        long offset = reader.image().offset();
        int self = config.nodeId();
        return Optional.of(new QuorumDescription(self, epoch, offset,
            List.of(new QuorumDescription.ReplicaState(self, offset, -1, System.currentTimeMillis())),
            List.of(), java.util.Map.of()));
    }

    @Override
    public CompletableFuture<Void> addVoter(int nodeId) {
        return noVoters();
    }

    @Override
    public CompletableFuture<Void> removeVoter(int nodeId) {
        return noVoters();
    }

    private static CompletableFuture<Void> noVoters() {
        return CompletableFuture.failedFuture(new VoterChangeException(VoterChangeException.Reason.UNSUPPORTED,
            "the ZooKeeper backend has no Raft voters: its ensemble is managed by ZooKeeper itself"));
    }

    // ---- the rest of the SPI ----

    @Override
    public Optional<ControllerLocation> activeController() {
        return closed ? Optional.empty() : leadership.controller();
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
        leadership.resign("node " + nodeId() + " is closing");
        OrderedCallbacks.stop(worker, CLOSE_TIMEOUT_MS);
        client.close();
        callbacks.close(CLOSE_TIMEOUT_MS);
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
        callbacks.crash();
        try {
            client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        } catch (Exception e) {
            LOG.debug("node {}: abandoning the session failed: {}", nodeId(), e.toString());
        }
        client.close();
    }

    private NotControllerException notController(String message) {
        return new NotControllerException(message, activeController());
    }
}
