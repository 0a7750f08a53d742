package io.weir.zk;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.zookeeper.KeeperException;

/**
 * Heads and chunks in ZooKeeper: reading and writing a {@link Blob} under the {@link Znodes}
 * layout, the fenced create of a head, and the listings and deletions compaction needs. The
 * only code that reads or writes metadata znodes; election and session handling have their
 * own. Callers run on the worker thread and handle {@link KeeperException}s.
 */
final class ZnodeStore {
    private final CuratorFramework client;

    /** A head and its chunks, read back and checked. */
    record Stored(Blob.Header header, byte[] payload) {
    }

    ZnodeStore(CuratorFramework client) {
        this.client = client;
    }

    /**
     * The offsets of the heads under {@code parent}, ascending; a {@code watcher} (or null)
     * fires when the children change.
     */
    List<Long> offsets(String parent, CuratorWatcher watcher) throws Exception {
        List<String> names = watcher != null ? client.getChildren().usingWatcher(watcher).forPath(parent)
            : client.getChildren().forPath(parent);
        return names.stream().mapToLong(Znodes::parseOffset).filter(o -> o >= 0).sorted().boxed().toList();
    }

    /** The offset of the newest snapshot head, or -1. */
    long latestSnapshot() throws Exception {
        List<Long> snapshots = offsets(Znodes.SNAPSHOTS, null);
        return snapshots.isEmpty() ? -1 : snapshots.get(snapshots.size() - 1);
    }

    /** @throws KeeperException.NoNodeException when the head or a chunk was deleted meanwhile */
    Stored read(Znodes.Kind kind, long offset) throws Exception {
        byte[] head = client.getData().forPath(Znodes.head(kind, offset));
        Blob.Header header = Blob.header(head);
        List<byte[]> chunks = new ArrayList<>(header.pieces() - 1);
        for (int i = 1; i < header.pieces(); i++) {
            chunks.add(client.getData().forPath(Znodes.chunk(kind, offset, header.token(), i)));
        }
        return new Stored(header, Blob.assemble(head, chunks));
    }

    /**
     * Writes {@code blob} at {@code offset}: its chunks first, each in its own request, then the
     * head, fenced: created only while the epoch znode is at {@code epochVersion} and a
     * controller znode exists (one created with that epoch, as every election changes both).
     * The head is the commit point, so a failure leaves at most garbage chunks. What the
     * exception means is {@link WriteOutcome#of}'s to say.
     */
    void writeFenced(Znodes.Kind kind, long offset, Blob.Encoded blob, int epochVersion) throws Exception {
        for (int i = 0; i < blob.chunks().size(); i++) {
            try {
                client.create().forPath(Znodes.chunk(kind, offset, blob.header().token(), i + 1),
                    blob.chunks().get(i));
            } catch (KeeperException.NodeExistsException e) {
                // A retried create: the token makes the name ours alone.
            }
        }
        client.transaction().forOperations(
            client.transactionOp().check().withVersion(epochVersion).forPath(Znodes.CONTROLLER_EPOCH),
            client.transactionOp().check().withVersion(0).forPath(Znodes.CONTROLLER),
            client.transactionOp().create().forPath(Znodes.head(kind, offset), blob.head()));
    }

    /** Whether the log head at {@code offset} exists and was written with {@code token}. */
    boolean logHeadHasToken(long offset, long token) {
        try {
            return Blob.header(client.getData().forPath(Znodes.head(Znodes.Kind.LOG, offset))).token() == token;
        } catch (Exception e) {
            return false;
        }
    }

    /** The names of the chunk znodes (all kinds, any writer). */
    List<String> chunkNames() throws Exception {
        return client.getChildren().forPath(Znodes.CHUNKS);
    }

    /** Deletes {@code path}; one already gone is fine. */
    void deleteIfPresent(String path) throws Exception {
        try {
            client.delete().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            // Already gone.
        }
    }
}
