package io.weir.controller.coordination;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The metadata quorum as its leader sees it: what Kafka's DescribeQuorum reports for
 * {@code __cluster_metadata}. Offsets are metadata log indexes; timestamps are the leader's wall
 * clock in milliseconds, {@code -1} when unknown (Kafka's convention).
 *
 * @param leaderId the leader (active controller) node id
 * @param leaderEpoch the leader's term (the controller epoch)
 * @param highWatermark the highest committed metadata offset
 * @param voters the members that vote, the leader among them
 * @param observers the members that only receive the log (listeners, broker-only nodes)
 * @param endpoints each member's quorum endpoint, by node id
 */
public record QuorumDescription(int leaderId, long leaderEpoch, long highWatermark, List<ReplicaState> voters,
                                List<ReplicaState> observers, Map<Integer, Endpoint> endpoints) {
    public QuorumDescription {
        voters = List.copyOf(voters);
        observers = List.copyOf(observers);
        endpoints = Map.copyOf(endpoints);
        if (voters.stream().noneMatch(v -> v.nodeId() == leaderId)) {
            throw new IllegalArgumentException("leader " + leaderId + " is not among the voters " + voters);
        }
    }

    /**
     * One member's replication state.
     *
     * @param nodeId the member
     * @param logEndOffset the last metadata offset known to be in its log (the leader's match index), -1 if unknown
     * @param lastFetchTimestamp when the leader last heard from it, -1 for the leader itself or if unknown
     * @param lastCaughtUpTimestamp when it was last known to hold everything committed, -1 if unknown
     */
    public record ReplicaState(int nodeId, long logEndOffset, long lastFetchTimestamp, long lastCaughtUpTimestamp) {
    }

    /** Where a member takes part in the quorum (the Raft port), under a listener name. */
    public record Endpoint(String name, String host, int port) {
        public Endpoint {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
        }
    }
}
