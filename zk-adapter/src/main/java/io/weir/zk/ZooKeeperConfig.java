package io.weir.zk;

import java.time.Duration;
import java.util.Objects;

/**
 * What one node needs to run {@link ZooKeeperCoordination}.
 *
 * @param connect the ensemble and optional chroot ({@link ZooKeeperConnect})
 * @param clusterId written to {@code /weir/cluster.id} by the first node; a node of another
 *     cluster pointed at the same path refuses to start
 * @param nodeId this node's id
 * @param controllerHost where this node's controller listener is reachable (published in
 *     {@code /weir/controller} while it is the active controller)
 * @param controllerPort that listener's port
 * @param sessionTimeout the ZooKeeper session timeout: how long after losing touch with
 *     ZooKeeper an active controller is replaced (Kafka's default is 18 s)
 * @param connectionTimeout how long to wait for a connection (at start, and per operation
 *     while disconnected) before failing
 * @param snapshotEveryBatches the active controller stores a snapshot after this many batches
 *     and then deletes log znodes older than the previous snapshot
 * @param appendTimeout how long an append may take before it fails with an unknown outcome
 * @param pollInterval how often every node re-reads the log even without a watch firing (a
 *     safety net; watches do the work)
 */
public record ZooKeeperConfig(ZooKeeperConnect connect, String clusterId, int nodeId,
                              String controllerHost, int controllerPort, Duration sessionTimeout,
                              Duration connectionTimeout, long snapshotEveryBatches,
                              Duration appendTimeout, Duration pollInterval) {
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(18);
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(18);
    /**
     * Every catch-up lists the log's parent znode, so the log is kept short: at most about
     * twice this many batches stay in ZooKeeper.
     */
    public static final long DEFAULT_SNAPSHOT_EVERY_BATCHES = 1_000;
    public static final Duration DEFAULT_APPEND_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

    public ZooKeeperConfig {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(controllerHost, "controllerHost");
        if (nodeId < 0) {
            throw new IllegalArgumentException("node id must not be negative: " + nodeId);
        }
        positive(sessionTimeout, "session timeout");
        positive(connectionTimeout, "connection timeout");
        positive(appendTimeout, "append timeout");
        positive(pollInterval, "poll interval");
        if (sessionTimeout.toMillis() > Integer.MAX_VALUE || connectionTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ZooKeeper timeouts must fit in an int of milliseconds");
        }
        if (snapshotEveryBatches < 1) {
            throw new IllegalArgumentException("snapshotEveryBatches must be at least 1: " + snapshotEveryBatches);
        }
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
    }

    /** A node with default timeouts and snapshot interval. */
    public static ZooKeeperConfig of(String connect, String clusterId, int nodeId, String controllerHost,
                                     int controllerPort) {
        return new ZooKeeperConfig(ZooKeeperConnect.parse(connect), clusterId, nodeId, controllerHost,
            controllerPort, DEFAULT_SESSION_TIMEOUT, DEFAULT_CONNECTION_TIMEOUT, DEFAULT_SNAPSHOT_EVERY_BATCHES,
            DEFAULT_APPEND_TIMEOUT, DEFAULT_POLL_INTERVAL);
    }

    public ZooKeeperConfig withTimeouts(Duration session, Duration connection) {
        return new ZooKeeperConfig(connect, clusterId, nodeId, controllerHost, controllerPort, session,
            connection, snapshotEveryBatches, appendTimeout, pollInterval);
    }

    public ZooKeeperConfig withSnapshotEveryBatches(long batches) {
        return new ZooKeeperConfig(connect, clusterId, nodeId, controllerHost, controllerPort, sessionTimeout,
            connectionTimeout, batches, appendTimeout, pollInterval);
    }
}
