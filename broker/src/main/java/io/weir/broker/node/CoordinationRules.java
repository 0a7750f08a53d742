package io.weir.broker.node;

import io.weir.zk.ZooKeeperConnect;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The checks of a node's {@code coordination} section ({@link NodeConfig.Coordination},
 * {@link NodeConfig.ZooKeeper}): which backends there are and which settings each one takes.
 * Each failure names the key at fault.
 */
final class CoordinationRules {
    private static final List<String> BACKENDS = List.of("ratis", "zookeeper", "local");

    private CoordinationRules() {
    }

    /** {@code quorum.security.protocol} in upper case (null if unset), PLAINTEXT or SSL, on ratis only. */
    static String quorumSecurityProtocol(String protocol, String backend) {
        if (protocol == null) {
            return null;
        }
        String upper = protocol.toUpperCase(Locale.ROOT);
        if (!List.of("PLAINTEXT", "SSL").contains(upper)) {
            throw new IllegalArgumentException("coordination.quorum.security.protocol must be PLAINTEXT or SSL, not "
                    + upper);
        }
        if (!"ratis".equals(backend)) {
            throw new IllegalArgumentException("coordination.quorum.security.protocol is only for the ratis backend");
        }
        return upper;
    }

    /** The backend's name, and the quorum port only a broker-only node on ratis has. */
    static void checkBackend(String backend, Integer quorumPort) {
        if (quorumPort != null && (quorumPort < 0 || quorumPort > 65535)) {
            throw new IllegalArgumentException("coordination.quorum.port out of range: " + quorumPort);
        }
        if (quorumPort != null && !"ratis".equals(backend)) {
            throw new IllegalArgumentException("coordination.quorum.port is only for the ratis backend");
        }
        Objects.requireNonNull(backend, "coordination.backend");
        if (!BACKENDS.contains(backend)) {
            throw new IllegalArgumentException("coordination.backend must be ratis, zookeeper or local, not " + backend);
        }
    }

    /** Voters on ratis only (and required there), a ZooKeeper ensemble on zookeeper, a mirror on ratis only. */
    static void checkSections(String backend, List<NodeConfig.Voter> voters, NodeConfig.ZooKeeper zookeeper) {
        if (backend.equals("ratis") && voters.isEmpty()) {
            throw new IllegalArgumentException("coordination.voters is required for the ratis backend");
        }
        if (backend.equals("zookeeper") && (zookeeper == null || zookeeper.connect() == null)) {
            throw new IllegalArgumentException("coordination.zookeeper.connect is required for the zookeeper backend");
        }
        if (backend.equals("zookeeper") && zookeeper.mirror() != null) {
            throw new IllegalArgumentException("coordination.zookeeper.mirror is only for the ratis backend;"
                    + " on zookeeper the metadata already is in ZooKeeper");
        }
        if (backend.equals("ratis") && zookeeper != null && zookeeper.connect() != null) {
            throw new IllegalArgumentException("coordination.zookeeper.connect is only for the zookeeper backend;"
                    + " on ratis only coordination.zookeeper.mirror may be set");
        }
        if (backend.equals("local") && zookeeper != null) {
            throw new IllegalArgumentException("coordination.zookeeper is only for the zookeeper backend (or its"
                    + " mirror for ratis), not local");
        }
        if (backend.equals("zookeeper") && !voters.isEmpty()) {
            throw new IllegalArgumentException("coordination.voters is only for the ratis backend;"
                    + " on ZooKeeper the controller is elected among all nodes");
        }
    }

    /** An ensemble to run on ({@code connect}) or to mirror to, each a valid connect string. */
    static void checkEnsemble(String connect, String mirror) {
        if (connect == null && mirror == null) {
            throw new IllegalArgumentException("coordination.zookeeper.connect is required");
        }
        checkConnect("coordination.zookeeper.connect", connect);
        checkConnect("coordination.zookeeper.mirror", mirror);
    }

    static void checkTimeouts(int sessionTimeoutMs, int connectionTimeoutMs) {
        if (sessionTimeoutMs <= 0) {
            throw new IllegalArgumentException("coordination.zookeeper.session.timeout.ms must be positive, not "
                    + sessionTimeoutMs);
        }
        if (connectionTimeoutMs <= 0) {
            throw new IllegalArgumentException("coordination.zookeeper.connection.timeout.ms must be positive, not "
                    + connectionTimeoutMs);
        }
    }

    /** A {@code host:port[,host:port...][/chroot]} connect string, if set. */
    private static void checkConnect(String key, String value) {
        if (value == null) return;
        try {
            ZooKeeperConnect.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }
}
