package io.weir.zk;

import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.MetadataImageSerde;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.MetadataRecordSerde;
import java.util.List;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's place in the metadata log: the last offset delivered, the image replayed from
 * what was delivered, and the catch-up that delivers every batch after it (the snapshot first
 * when this node starts or has fallen behind the deletions). Each batch is delivered once, in
 * offset order: offsets are dense, and a reconnect or a new session resumes after
 * {@link #delivered()}.
 *
 * <p>Used on the worker thread only; the fields are volatile for the test accessors.
 */
final class LogReader {
    private static final Logger LOG = LoggerFactory.getLogger(LogReader.class);
    private static final int MAX_CATCH_UP_ROUNDS = 20;
    private static final int MAX_BATCHES_PER_ROUND = 10_000;

    private final int nodeId;
    private final ZnodeStore store;
    private final CuratorWatcher watcher;
    private final CoordinationListener events;
    private final MetadataRecordSerde recordSerde = new MetadataRecordSerde();
    private final MetadataImageSerde imageSerde = new MetadataImageSerde();

    private volatile long delivered = -1;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private long latestSnapshot = -1;

    /** {@code watcher} is set on the log's children, so a new batch wakes the worker. */
    LogReader(int nodeId, ZnodeStore store, CuratorWatcher watcher, CoordinationListener events) {
        this.nodeId = nodeId;
        this.store = store;
        this.watcher = watcher;
        this.events = events;
    }

    /** The last metadata offset delivered (-1 before the first). */
    long delivered() {
        return delivered;
    }

    /** The image replayed from what this node delivered. */
    MetadataImage image() {
        return image;
    }

    /** The offset of the newest snapshot this node knows of (-1 when none). */
    long latestSnapshot() {
        return latestSnapshot;
    }

    /** Notes a snapshot this node stored at {@code offset}. */
    void snapshotStored(long offset) {
        latestSnapshot = Math.max(latestSnapshot, offset);
    }

    /** Looks up the newest snapshot in ZooKeeper (a new controller snapshots relative to it). */
    void refreshLatestSnapshot() throws Exception {
        latestSnapshot = Math.max(latestSnapshot, store.latestSnapshot());
    }

    /** Delivers every batch the log holds after {@link #delivered()}, loading the snapshot first when needed. */
    void catchUp() throws Exception {
        for (int round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
            List<Long> offsets = store.offsets(Znodes.LOG, watcher);
            try {
                if (LogPlan.needsSnapshot(delivered, offsets)) {
                    refreshLatestSnapshot();
                    if (latestSnapshot > delivered) {
                        loadSnapshot(latestSnapshot);
                    }
                }
                List<Long> toRead = LogPlan.toRead(delivered, offsets, MAX_BATCHES_PER_ROUND);
                for (long offset : toRead) {
                    ZnodeStore.Stored batch = store.read(Znodes.Kind.LOG, offset);
                    deliverCommit(offset, batch.header().epoch(), recordSerde.decode(batch.payload()));
                }
                if (toRead.size() < MAX_BATCHES_PER_ROUND) {
                    if (!offsets.isEmpty() && offsets.get(offsets.size() - 1) > delivered) {
                        LOG.warn("node {}: metadata log has no batch after offset {} but holds {}..{}; retrying",
                            nodeId, delivered, offsets.get(0), offsets.get(offsets.size() - 1));
                        continue;
                    }
                    return;
                }
            } catch (KeeperException.NoNodeException e) {
                // Deleted by a compaction while we read: list again (and take the snapshot).
                LOG.debug("node {}: {} went away while reading; listing again", nodeId, e.getPath());
            }
        }
        throw new IllegalStateException("could not catch up with the metadata log in "
            + MAX_CATCH_UP_ROUNDS + " rounds");
    }

    private void loadSnapshot(long offset) throws Exception {
        MetadataImage loaded = imageSerde.decode(store.read(Znodes.Kind.SNAPSHOT, offset).payload());
        if (loaded.offset() != offset) {
            throw new IllegalStateException("snapshot znode " + offset + " holds an image at offset " + loaded.offset());
        }
        image = loaded;
        delivered = offset;
        LOG.info("node {} loaded the metadata snapshot at offset {}", nodeId, offset);
        events.onSnapshot(loaded);
    }

    /**
     * Delivers the batch committed at {@code offset}, which must be the next one: read from
     * the log, or just written by this node as the active controller.
     */
    void deliverCommit(long offset, long epoch, List<MetadataRecord> records) {
        if (offset != delivered + 1) {
            throw new IllegalStateException("metadata offsets must be dense: delivered " + delivered
                + ", next is " + offset);
        }
        try {
            image = image.apply(offset, records);
        } catch (RuntimeException e) {
            // Every node replays the same batch, so this is a controller bug; keep the image.
            LOG.error("node {} cannot replay the committed batch at offset {}", nodeId, offset, e);
            image = image.withOffset(offset);
        }
        delivered = offset;
        events.onCommit(offset, epoch, records);
    }
}
