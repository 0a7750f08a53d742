package io.weir.broker.security;

import org.apache.kafka.common.security.auth.KafkaPrincipal;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Who may act as a node of this cluster (Kafka's ClusterAction: register, heartbeat, change an
 * ISR, take producer ids, fetch as a replica). A pure decision, no I/O.
 *
 * <p>Two checks, the second only when the cluster has a secret ({@code cluster.secret.file}):
 * <ul>
 * <li>the node id must be one the cluster expects: a voter of the static Ratis quorum or a
 *     broker-only node that has joined it as a listener ({@code weir cluster add-node}), or this
 *     node alone on the local backend; on ZooKeeper any id, as nodes join freely there;</li>
 * <li>the connection must have authenticated as that very node, {@code User:weir-node-<id>},
 *     which only a holder of the cluster secret can (SCRAM-SHA-512, see {@link MemberSasl}).</li>
 * </ul>
 * Without a secret only the first check holds: the node logs that membership is open.
 */
public final class ClusterMembership {
    /** The SCRAM user name prefix of cluster members: {@code weir-node-<id>}. */
    public static final String MEMBER_PREFIX = "weir-node-";

    private final Optional<Set<Integer>> expectedNodeIds;
    private final IntPredicate joined;
    private final boolean authenticated;

    private ClusterMembership(Optional<Set<Integer>> expectedNodeIds, IntPredicate joined, boolean authenticated) {
        this.expectedNodeIds = expectedNodeIds.map(Set::copyOf);
        this.joined = joined;
        this.authenticated = authenticated;
    }

    /**
     * @param expectedNodeIds the node ids the cluster has (static voters), empty where any id may join
     * @param authenticated   whether members must prove the cluster secret
     */
    public static ClusterMembership of(Optional<Set<Integer>> expectedNodeIds, boolean authenticated) {
        return new ClusterMembership(expectedNodeIds, id -> false, authenticated);
    }

    /**
     * As {@link #of(Optional, boolean)}, and also the nodes {@code joined} names now: brokers
     * that joined after the start (on Ratis, the quorum's listeners).
     */
    public static ClusterMembership of(Optional<Set<Integer>> expectedNodeIds, IntPredicate joined,
                                       boolean authenticated) {
        return new ClusterMembership(expectedNodeIds, joined, authenticated);
    }

    /** Whether members must authenticate (a cluster secret is configured). */
    public boolean authenticated() {
        return authenticated;
    }

    /** The SCRAM user name of node {@code nodeId}. */
    public static String username(int nodeId) {
        return MEMBER_PREFIX + nodeId;
    }

    /** The node id a member's user name names, if it names an expected node. */
    public OptionalInt memberId(String username) {
        if (username == null || !username.startsWith(MEMBER_PREFIX)) return OptionalInt.empty();
        String digits = username.substring(MEMBER_PREFIX.length());
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
            return OptionalInt.empty();
        }
        int id = Integer.parseInt(digits);
        return isExpected(id) ? OptionalInt.of(id) : OptionalInt.empty();
    }

    /** Whether {@code nodeId} is a node the cluster expects. */
    public boolean isExpected(int nodeId) {
        return nodeId >= 0 && expectedNodeIds.map(ids -> ids.contains(nodeId) || joined.test(nodeId)).orElse(true);
    }

    /** Whether a connection authenticated as {@code principal} may act as node {@code nodeId}. */
    public boolean mayActAs(KafkaPrincipal principal, int nodeId) {
        if (!isExpected(nodeId)) return false;
        if (!authenticated) return true;
        if (principal == null || !KafkaPrincipal.USER_TYPE.equals(principal.getPrincipalType())) return false;
        OptionalInt id = memberId(principal.getName());
        return id.isPresent() && id.getAsInt() == nodeId;
    }
}
