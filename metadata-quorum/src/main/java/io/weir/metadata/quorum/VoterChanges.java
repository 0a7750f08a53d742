package io.weir.metadata.quorum;

import io.weir.controller.coordination.VoterChangeException;
import io.weir.controller.coordination.VoterChangeException.Reason;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether a change of the quorum's voters is safe, from the leader's view: the current
 * voters, the listeners, and which members it heard from recently. Pure, so every refusal can be
 * tested without a quorum. A change must leave a live majority in the new voter set, or the quorum
 * would stop committing (Raft's joint consensus needs a majority of the old and the new voters,
 * and Ratis checks the old one itself).
 */
final class VoterChanges {
    private VoterChanges() {
    }

    /**
     * The voters after promoting listener {@code nodeId}.
     *
     * @throws VoterChangeException DUPLICATE_VOTER, UNKNOWN_NODE (not a member: start it as a
     *     broker-only node first), UNSAFE (it is not live, or no live majority would remain)
     */
    static Set<Integer> add(Set<Integer> voters, Set<Integer> listeners, Set<Integer> live, int nodeId) {
        if (voters.contains(nodeId)) {
            throw new VoterChangeException(Reason.DUPLICATE_VOTER, "node " + nodeId + " is already a voter "
                + sorted(voters));
        }
        if (!listeners.contains(nodeId)) {
            throw new VoterChangeException(Reason.UNKNOWN_NODE, "node " + nodeId + " is not a member of the "
                + "metadata quorum (listeners " + sorted(listeners) + "): start it as a broker-only node first "
                + "(bin/weir cluster add-node), then promote it");
        }
        if (!live.contains(nodeId)) {
            throw new VoterChangeException(Reason.UNSAFE, "node " + nodeId + " has not been heard from recently: "
                + "a voter that cannot vote would only raise the majority");
        }
        Set<Integer> next = new TreeSet<>(voters);
        next.add(nodeId);
        requireLiveMajority(next, live, "adding node " + nodeId);
        return next;
    }

    /**
     * The voters after removing voter {@code nodeId}.
     *
     * @throws VoterChangeException VOTER_NOT_FOUND, UNSAFE (the last voter, or no live majority
     *     would remain)
     */
    static Set<Integer> remove(Set<Integer> voters, Set<Integer> live, int nodeId) {
        if (!voters.contains(nodeId)) {
            throw new VoterChangeException(Reason.VOTER_NOT_FOUND, "node " + nodeId + " is not a voter "
                + sorted(voters));
        }
        Set<Integer> next = new TreeSet<>(voters);
        next.remove(nodeId);
        if (next.isEmpty()) {
            throw new VoterChangeException(Reason.UNSAFE, "node " + nodeId + " is the last voter");
        }
        requireLiveMajority(next, live, "removing node " + nodeId);
        return next;
    }

    private static void requireLiveMajority(Set<Integer> voters, Set<Integer> live, String change) {
        long liveVoters = voters.stream().filter(live::contains).count();
        if (liveVoters <= voters.size() / 2) {
            throw new VoterChangeException(Reason.UNSAFE, change + " would leave voters " + sorted(voters)
                + " with " + liveVoters + " live, below a majority of " + (voters.size() / 2 + 1));
        }
    }

    private static Set<Integer> sorted(Set<Integer> ids) {
        return new TreeSet<>(ids);
    }
}
