package io.weir.zk;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.MetadataImageSerde;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the log in ZooKeeper bounded. The active controller, every
 * {@link ZooKeeperConfig#snapshotEveryBatches()} batches, stores the image it replayed as a
 * snapshot head (chunked and fenced like a batch), then deletes what {@link LogPlan#deletions}
 * says the new snapshot makes unnecessary; leftovers go at the next snapshot. A failure here
 * never fails an append: the snapshot is tried again after the next batch. Runs on the worker
 * thread.
 */
final class Snapshotter {
    private static final Logger LOG = LoggerFactory.getLogger(Snapshotter.class);
    private static final int MAX_DELETES_PER_COMPACTION = 10_000;

    private final ZooKeeperConfig config;
    private final ZnodeStore store;
    private final LogReader reader;
    private final Leadership leadership;
    private final ControllerElection election;
    private final MetadataImageSerde imageSerde = new MetadataImageSerde();

    Snapshotter(ZooKeeperConfig config, ZnodeStore store, LogReader reader, Leadership leadership,
                ControllerElection election) {
        this.config = config;
        this.store = store;
        this.reader = reader;
        this.leadership = leadership;
        this.election = election;
    }

    /** Stores a snapshot and compacts, if this node leads and one is due. */
    void maybeSnapshot() {
        long epoch = leadership.epoch();
        long at = reader.delivered();
        if (epoch < 0 || !LogPlan.snapshotDue(at, reader.latestSnapshot(), config.snapshotEveryBatches())) {
            return;
        }
        MetadataImage snapshot = reader.image();
        Blob.Encoded blob = Blob.encode(epoch, ThreadLocalRandom.current().nextLong(),
            imageSerde.encode(snapshot), Blob.PIECE_BYTES);
        try {
            store.writeFenced(Znodes.Kind.SNAPSHOT, at, blob, election.fencingVersion());
        } catch (Exception e) {
            switch (WriteOutcome.of(e)) {
                case HEAD_EXISTS -> LOG.debug("node {}: a snapshot at offset {} exists already", config.nodeId(), at);
                case FENCED -> {
                    leadership.resign(epoch, "ZooKeeper refused a snapshot of epoch " + epoch);
                    return;
                }
                case UNKNOWN -> {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    LOG.warn("node {} could not store a metadata snapshot at offset {}: {}", config.nodeId(), at,
                        e.toString());
                    return;
                }
            }
        }
        reader.snapshotStored(at);
        LOG.info("node {} stored a metadata snapshot at offset {} ({} bytes, {} znodes)", config.nodeId(), at,
            blob.header().length(), blob.header().pieces());
        compact(at);
    }

    private void compact(long snapshot) {
        try {
            List<String> deletions = LogPlan.deletions(snapshot, store.offsets(Znodes.SNAPSHOTS, null),
                store.offsets(Znodes.LOG, null), store.chunkNames(), MAX_DELETES_PER_COMPACTION);
            for (String path : deletions) {
                store.deleteIfPresent(path);
            }
            LOG.debug("node {} deleted {} metadata znodes up to snapshot {}", config.nodeId(), deletions.size(),
                snapshot);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("node {} could not delete old metadata znodes: {}", config.nodeId(), e.toString());
        }
    }
}
