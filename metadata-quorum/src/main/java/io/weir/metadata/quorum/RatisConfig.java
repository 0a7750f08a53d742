package io.weir.metadata.quorum;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How one node joins the metadata quorum. Every node of a cluster must be given the same
 * {@code clusterId}, voters and listeners.
 *
 * @param nodeId this node; must be one of the voters or listeners
 * @param voters the nodes that vote and may become the active controller (3 by default)
 * @param listeners non-voting members (Ratis listeners): brokers that only learn metadata
 * @param storageDir this node's own directory for the Raft log and snapshots
 * @param snapshotEveryEntries take a snapshot after this many applied log entries
 * @param snapshotsRetained how many snapshot files to keep (older ones are purged)
 * @param electionTimeoutMin lower bound of the randomized election timeout
 * @param electionTimeoutMax upper bound of the randomized election timeout
 * @param appendTimeout how long an append may take before it fails with an unknown outcome
 * @param logSegmentBytes Raft log segment size; the log is purged (up to the latest snapshot)
 *     a whole closed segment at a time
 * @param tls mutual TLS on the quorum port (Ratis' gRPC transport), or null for plaintext on
 *     Ratis' Netty transport; every member of a cluster must use the same
 */
public record RatisConfig(String clusterId, int nodeId, List<QuorumPeer> voters,
                          List<QuorumPeer> listeners, Path storageDir, long snapshotEveryEntries,
                          int snapshotsRetained, Duration electionTimeoutMin,
                          Duration electionTimeoutMax, Duration appendTimeout,
                          long logSegmentBytes, QuorumTls tls) {
    public static final long DEFAULT_SNAPSHOT_EVERY_ENTRIES = 10_000;
    public static final long DEFAULT_LOG_SEGMENT_BYTES = 8L << 20;

    public RatisConfig {
        Objects.requireNonNull(clusterId, "clusterId");
        voters = List.copyOf(voters);
        listeners = List.copyOf(listeners);
        Objects.requireNonNull(storageDir, "storageDir");
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("at least one voter is needed");
        }
        Set<Integer> ids = new HashSet<>();
        Stream.concat(voters.stream(), listeners.stream()).forEach(p -> {
            if (!ids.add(p.nodeId())) {
                throw new IllegalArgumentException("node id " + p.nodeId() + " appears twice");
            }
        });
        if (!ids.contains(nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is neither voter nor listener");
        }
        if (snapshotEveryEntries < 1 || snapshotsRetained < 1) {
            throw new IllegalArgumentException("snapshot settings must be positive");
        }
        if (logSegmentBytes < 16 * 1024) {
            throw new IllegalArgumentException("log segments must be at least 16 KiB");
        }
        if (electionTimeoutMin.compareTo(electionTimeoutMax) >= 0) {
            throw new IllegalArgumentException("election timeout min must be below max");
        }
    }

    /**
     * Ratis-style defaults: snapshots every {@value #DEFAULT_SNAPSHOT_EVERY_ENTRIES} entries, two
     * retained, 1–2 s election timeouts (loopback clusters may go lower), 10 s append timeout.
     */
    public static RatisConfig of(int nodeId, List<QuorumPeer> voters, List<QuorumPeer> listeners,
                                 Path storageDir) {
        return new RatisConfig("weir", nodeId, voters, listeners, storageDir,
            DEFAULT_SNAPSHOT_EVERY_ENTRIES, 2, Duration.ofMillis(1000), Duration.ofMillis(2000),
            Duration.ofSeconds(10), DEFAULT_LOG_SEGMENT_BYTES, null);
    }

    /** Three voters, node ids 1–3, on {@code host} at {@code basePort}, +1, +2. */
    public static List<QuorumPeer> defaultVoters(String host, int basePort) {
        return List.of(new QuorumPeer(1, host, basePort, 0), new QuorumPeer(2, host, basePort + 1, 0),
            new QuorumPeer(3, host, basePort + 2, 0));
    }

    public RatisConfig withSnapshotEveryEntries(long entries) {
        return new RatisConfig(clusterId, nodeId, voters, listeners, storageDir, entries,
            snapshotsRetained, electionTimeoutMin, electionTimeoutMax, appendTimeout, logSegmentBytes, tls);
    }

    public RatisConfig withElectionTimeout(Duration min, Duration max) {
        return new RatisConfig(clusterId, nodeId, voters, listeners, storageDir,
            snapshotEveryEntries, snapshotsRetained, min, max, appendTimeout, logSegmentBytes, tls);
    }

    public RatisConfig withLogSegmentBytes(long bytes) {
        return new RatisConfig(clusterId, nodeId, voters, listeners, storageDir,
            snapshotEveryEntries, snapshotsRetained, electionTimeoutMin, electionTimeoutMax,
            appendTimeout, bytes, tls);
    }

    /** With mutual TLS on the quorum port ({@code null}: plaintext). */
    public RatisConfig withTls(QuorumTls quorumTls) {
        return new RatisConfig(clusterId, nodeId, voters, listeners, storageDir, snapshotEveryEntries,
            snapshotsRetained, electionTimeoutMin, electionTimeoutMax, appendTimeout, logSegmentBytes,
            quorumTls);
    }

    public QuorumPeer self() {
        return peer(nodeId).orElseThrow();
    }

    public boolean isVoter() {
        return voters.stream().anyMatch(p -> p.nodeId() == nodeId);
    }

    public Optional<QuorumPeer> peer(int id) {
        return Stream.concat(voters.stream(), listeners.stream()).filter(p -> p.nodeId() == id)
            .findFirst();
    }
}
