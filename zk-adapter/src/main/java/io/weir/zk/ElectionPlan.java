package io.weir.zk;

import java.nio.charset.StandardCharsets;

/**
 * The decisions of the controller election, free of I/O: what a node does after reading
 * {@code /weir/controller}, and the epoch it stands for.
 */
final class ElectionPlan {
    private ElectionPlan() {
    }

    /** What a node does after catching up and reading the controller znode. */
    enum Step {
        /** No controller: stand for the next epoch. */
        ELECT,
        /**
         * This node's own session holds the controller znode but the node does not lead (a
         * suspended connection came back, or an append's outcome was unknown): take it again,
         * at a new epoch, so the controller restarts from what the log really holds.
         */
        RETAKE,
        /** This node leads and still holds the znode: nothing to do. */
        STAY,
        /** Another node leads: resign whatever this node led and follow it. */
        FOLLOW
    }

    /**
     * @param ownerSession the session that owns the ephemeral controller znode, if it exists
     * @param ourSession this node's current ZooKeeper session
     * @param leading whether this node believes it leads an epoch
     */
    static Step next(boolean controllerExists, long ownerSession, long ourSession, boolean leading) {
        if (!controllerExists) {
            return Step.ELECT;
        }
        if (ownerSession == ourSession) {
            return leading ? Step.STAY : Step.RETAKE;
        }
        return Step.FOLLOW;
    }

    /** The epoch to stand for, from the data of {@code /weir/controller_epoch} (decimal). */
    static long nextEpoch(byte[] epochZnode) {
        String text = new String(epochZnode, StandardCharsets.UTF_8).trim();
        long current;
        try {
            current = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("unreadable " + Znodes.CONTROLLER_EPOCH + ": '" + text + "'", e);
        }
        if (current < 0) {
            throw new IllegalStateException(Znodes.CONTROLLER_EPOCH + " is negative: " + current);
        }
        return current + 1;
    }

    /** The data of {@code /weir/controller_epoch} holding {@code epoch}. */
    static byte[] epochZnode(long epoch) {
        return Long.toString(epoch).getBytes(StandardCharsets.UTF_8);
    }
}
