package io.weir.controller.coordination;

/** A refused or failed change of the quorum's voters; {@link #reason()} maps to a Kafka error code. */
public final class VoterChangeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a voter change did not happen. */
    public enum Reason {
        /** This node does not lead the quorum. */
        NOT_LEADER,
        /** The node to add is already a voter. */
        DUPLICATE_VOTER,
        /** The node to remove is not a voter. */
        VOTER_NOT_FOUND,
        /** The node is not a member of the quorum at all. */
        UNKNOWN_NODE,
        /** The change would leave the quorum without a live majority. */
        UNSAFE,
        /** The backend has no voters to change (ZooKeeper). */
        UNSUPPORTED,
        /** Another change went first, or the quorum did not commit it in time. */
        FAILED
    }

    private final Reason reason;

    public VoterChangeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
