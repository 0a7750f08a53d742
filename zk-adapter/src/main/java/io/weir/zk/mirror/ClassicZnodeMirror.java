package io.weir.zk.mirror;

import io.weir.controller.image.MetadataImage;
import io.weir.zk.ZooKeeperConnect;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirror mode: the active controller of a cluster on another backend keeps Kafka's classic znode
 * layout ({@link ClassicZnodes}) up to date in a ZooKeeper ensemble, for tools that read
 * ZooKeeper. Read-only for them; Weir never reads it back.
 *
 * <p>The mirror is a pure diff of image to znodes ({@link ZnodeDiff}) applied on its own thread,
 * woken by {@link #nudge()} (on every image change) and by a periodic poll. It never blocks the
 * controller and never stops the cluster: while ZooKeeper is away the sync fails, the mirror
 * forgets what it believed was there, and the next sync after ZooKeeper returns reads what is
 * there and writes the difference, so it catches up. Only the active controller writes
 * ({@code source} is empty elsewhere), and a sync first checks that {@code /controller_epoch}
 * is not above its own epoch, so a deposed controller does not overwrite its successor's view.
 */
public final class ClassicZnodeMirror implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClassicZnodeMirror.class);

    /** What the mirror shows: the committed image of the active controller, its epoch and id. */
    public record State(MetadataImage image, long controllerEpoch, int controllerId) {
    }

    private final ZooKeeperConnect connect;
    private final Supplier<Optional<State>> source;
    private final Duration poll;
    private final Clock clock;
    private final CuratorFramework client;
    private final ScheduledExecutorService worker;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Map<String, Long> registeredAt = new HashMap<>();
    private final java.util.concurrent.atomic.AtomicLong failedSyncs = new java.util.concurrent.atomic.AtomicLong();
    // Worker-thread state: what ZooKeeper is believed to hold (null: unknown, read it first).
    private Map<String, byte[]> applied;
    private long ledEpoch = -1;
    private long controllerSince;
    private boolean failing;

    public ClassicZnodeMirror(ZooKeeperConnect connect, Supplier<Optional<State>> source, Duration poll,
                              Duration timeout, Clock clock) {
        this.connect = connect;
        this.source = source;
        this.poll = poll;
        this.clock = clock;
        this.client = CuratorFrameworkFactory.builder()
            .connectString(connect.ensemble())
            .namespace(connect.namespace())
            .sessionTimeoutMs((int) Math.max(timeout.toMillis(), 4_000))
            .connectionTimeoutMs((int) timeout.toMillis())
            .retryPolicy(new BoundedExponentialBackoffRetry(100, 1_000, 2))
            .build();
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weir-zk-mirror");
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects in the background and starts syncing; an unreachable ensemble is retried. */
    public void start() {
        client.start();
        worker.scheduleWithFixedDelay(this::nudge, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("mirroring Kafka's znode layout to ZooKeeper at {} while this node is the active controller",
            connect);
    }

    /** Syncs that failed (ZooKeeper away or refusing), since the start. */
    public long failedSyncs() {
        return failedSyncs.get();
    }

    /** Syncs soon (the image or the controller changed). */
    public void nudge() {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            worker.execute(() -> {
                queued.set(false);
                sync();
            });
        } catch (RejectedExecutionException e) {
            queued.set(false);
        }
    }

    private void sync() {
        Optional<State> state = source.get();
        if (state.isEmpty()) {
            applied = null; // not the controller: when it is again, read what is there first
            ledEpoch = -1;
            return;
        }
        State s = state.get();
        if (s.controllerEpoch() != ledEpoch) {
            ledEpoch = s.controllerEpoch();
            controllerSince = clock.millis();
        }
        Map<String, byte[]> wanted = ClassicZnodes.of(s.image(), s.controllerEpoch(), s.controllerId(),
            controllerSince, b -> registeredAt.computeIfAbsent(b.id() + "@" + b.epoch(), k -> clock.millis()));
        if (applied != null && sameContent(applied, wanted)) {
            return;
        }
        try {
            if (!client.getZookeeperClient().isConnected()) {
                throw new IllegalStateException("not connected");
            }
            long mirrored = mirroredEpoch();
            if (mirrored > s.controllerEpoch()) {
                LOG.info("not mirroring: /controller_epoch is {}, above this controller's {}", mirrored,
                    s.controllerEpoch());
                applied = null;
                return;
            }
            Map<String, byte[]> present = applied != null ? applied : readPresent();
            List<ZnodeDiff.Step> steps = ZnodeDiff.plan(present, wanted);
            for (ZnodeDiff.Step step : steps) {
                apply(step);
            }
            applied = wanted;
            if (failing || !steps.isEmpty()) {
                LOG.debug("mirrored {} znode changes (metadata offset {})", steps.size(), s.image().offset());
            }
            if (failing) {
                LOG.info("the ZooKeeper mirror at {} caught up", connect);
            }
            failing = false;
        } catch (Exception e) {
            applied = null;
            failedSyncs.incrementAndGet();
            if (!failing) {
                LOG.info("the ZooKeeper mirror at {} is behind ({}); retrying every {} ms", connect, e.toString(),
                    poll.toMillis());
            }
            failing = true;
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private long mirroredEpoch() throws Exception {
        try {
            return Long.parseLong(new String(client.getData().forPath("/controller_epoch"), StandardCharsets.UTF_8)
                .trim());
        } catch (KeeperException.NoNodeException | NumberFormatException e) {
            return -1;
        }
    }

    private void apply(ZnodeDiff.Step step) throws Exception {
        if (step.isDelete()) {
            try {
                client.delete().deletingChildrenIfNeeded().forPath(step.path());
            } catch (KeeperException.NoNodeException e) {
                // Already gone.
            }
            return;
        }
        try {
            client.setData().forPath(step.path(), step.data());
        } catch (KeeperException.NoNodeException e) {
            try {
                client.create().creatingParentsIfNeeded().forPath(step.path(), step.data());
            } catch (KeeperException.NodeExistsException raced) {
                client.setData().forPath(step.path(), step.data());
            }
        }
    }

    /** The znodes of the layout that are in ZooKeeper now (the ones the mirror owns). */
    private Map<String, byte[]> readPresent() throws Exception {
        Map<String, byte[]> present = new TreeMap<>();
        for (String path : List.of("/brokers", "/brokers/ids", "/brokers/topics", "/controller", "/controller_epoch")) {
            read(path, present);
        }
        for (String id : children("/brokers/ids")) {
            read("/brokers/ids/" + id, present);
        }
        for (String topic : children("/brokers/topics")) {
            String t = "/brokers/topics/" + topic;
            read(t, present);
            read(t + "/partitions", present);
            for (String p : children(t + "/partitions")) {
                read(t + "/partitions/" + p, present);
                read(t + "/partitions/" + p + "/state", present);
            }
        }
        for (String parent : ClassicAclZnodes.parents()) {
            read(parent, present);
        }
        for (String typeDir : ClassicAclZnodes.parents()) {
            if (typeDir.equals(ClassicAclZnodes.LITERAL_ROOT) || typeDir.equals(ClassicAclZnodes.EXTENDED_ROOT)
                    || typeDir.equals(ClassicAclZnodes.PREFIXED_ROOT)) {
                continue;
            }
            for (String name : children(typeDir)) {
                read(typeDir + "/" + name, present);
            }
        }
        return present;
    }

    private void read(String path, Map<String, byte[]> into) throws Exception {
        try {
            byte[] data = client.getData().forPath(path);
            into.put(path, data == null ? ClassicZnodes.NO_DATA : data);
        } catch (KeeperException.NoNodeException e) {
            // Not there.
        }
    }

    private List<String> children(String path) throws Exception {
        try {
            return client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    private static boolean sameContent(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
