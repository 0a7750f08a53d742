package io.weir.zk;

import org.apache.zookeeper.KeeperException;

/**
 * What the failure of a fenced head write ({@link ZnodeStore#writeFenced}) means. Pure.
 */
enum WriteOutcome {
    /**
     * The epoch znode's version moved or the controller znode is gone: another controller was
     * elected, or this node's session ended. Nothing of the write is visible.
     */
    FENCED,
    /**
     * A head at that offset exists: another writer's, or this write's own first attempt that
     * Curator retried after a lost connection (the head's token tells which).
     */
    HEAD_EXISTS,
    /** Anything else, a lost connection above all: the head may or may not be there. */
    UNKNOWN;

    static WriteOutcome of(Exception failure) {
        if (failure instanceof KeeperException.BadVersionException
            || failure instanceof KeeperException.NoNodeException) {
            return FENCED;
        }
        if (failure instanceof KeeperException.NodeExistsException) {
            return HEAD_EXISTS;
        }
        return UNKNOWN;
    }
}
