package io.weir.controller.coordination;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Coordination} backend that can describe its quorum and change its voters (KIP-853's
 * AddRaftVoter/RemoveRaftVoter). Only the active controller's node answers: the others forward.
 */
public interface QuorumMembership {

    /** The quorum as this node sees it while it leads; empty when it does not lead. */
    Optional<QuorumDescription> describeQuorum();

    /**
     * Promotes member {@code nodeId} (a listener now) to voter.
     *
     * @return completes once the new configuration is committed, or exceptionally with a
     *     {@link VoterChangeException} that says why it was refused
     */
    CompletableFuture<Void> addVoter(int nodeId);

    /**
     * Removes voter {@code nodeId} (a dead one, typically) from the quorum.
     *
     * @return as {@link #addVoter}
     */
    CompletableFuture<Void> removeVoter(int nodeId);
}
