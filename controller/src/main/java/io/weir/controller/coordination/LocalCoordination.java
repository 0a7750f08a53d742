package io.weir.controller.coordination;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An in-process {@link Coordination} for tests and single-process tools: nodes of one JVM share
 * a {@link Log}; the test decides who leads with {@link Log#elect(int)}. It keeps the contract
 * (fenced appends, ordered delivery, leadership after catch-up) with no threads or sockets;
 * callbacks run on the caller's thread while the log's lock is held.
 */
public final class LocalCoordination implements Coordination {

    /** The shared, in-memory metadata log. */
    public static final class Log {
        private final List<Batch> batches = new ArrayList<>();
        private final Map<Integer, LocalCoordination> nodes = new HashMap<>();
        private long epoch;
        private int leader = -1;
        private long nextOffset;

        private record Batch(long offset, long epoch, List<MetadataRecord> records) {
        }

        /** Makes {@code nodeId} the leader of a new epoch; returns that epoch. */
        public synchronized long elect(int nodeId) {
            LocalCoordination old = nodes.get(leader);
            long oldEpoch = epoch;
            epoch++;
            leader = nodeId;
            if (old != null && old.listener != null) {
                old.listener.onLeadershipLost(oldEpoch);
            }
            for (LocalCoordination n : nodes.values()) {
                if (n.listener != null) {
                    n.listener.onControllerChanged(location());
                }
            }
            LocalCoordination now = nodes.get(nodeId);
            if (now != null && now.listener != null) {
                now.listener.onLeadershipGained(epoch);
            }
            return epoch;
        }

        /** The leader steps down and nobody leads until the next {@link #elect(int)}. */
        public synchronized void noLeader() {
            LocalCoordination old = nodes.get(leader);
            leader = -1;
            if (old != null && old.listener != null) {
                old.listener.onLeadershipLost(epoch);
            }
        }

        public synchronized long epoch() {
            return epoch;
        }

        private Optional<ControllerLocation> location() {
            return leader < 0 ? Optional.empty()
                : Optional.of(new ControllerLocation(leader, epoch, "127.0.0.1", 0));
        }

        private synchronized CompletableFuture<Long> append(int nodeId, long atEpoch,
                                                            List<MetadataRecord> records) {
            if (nodeId != leader || atEpoch != epoch) {
                return CompletableFuture.failedFuture(new NotControllerException(
                    "node " + nodeId + " does not lead epoch " + atEpoch, location()));
            }
            Batch b = new Batch(nextOffset++, atEpoch, List.copyOf(records));
            batches.add(b);
            for (LocalCoordination n : nodes.values()) {
                if (n.listener != null) {
                    n.listener.onCommit(b.offset(), b.epoch(), b.records());
                }
            }
            return CompletableFuture.completedFuture(b.offset());
        }

        private synchronized void join(LocalCoordination node) {
            nodes.put(node.nodeId, node);
            for (Batch b : batches) {
                node.listener.onCommit(b.offset(), b.epoch(), b.records());
            }
            if (leader == node.nodeId) {
                node.listener.onLeadershipGained(epoch);
            }
        }

        private synchronized void leave(LocalCoordination node) {
            nodes.remove(node.nodeId);
            if (leader == node.nodeId) {
                leader = -1;
            }
        }

        /** Every committed batch's records, in order (for tests comparing replays). */
        public synchronized List<List<MetadataRecord>> committed() {
            return batches.stream().map(Batch::records).toList();
        }

        /** Replays the whole log from empty. */
        public synchronized MetadataImage replayAll() {
            MetadataImage image = MetadataImage.EMPTY;
            for (Batch b : batches) {
                image = image.apply(b.offset(), b.records());
            }
            return image;
        }
    }

    private final Log log;
    private final int nodeId;
    private volatile CoordinationListener listener;

    public LocalCoordination(Log log, int nodeId) {
        this.log = log;
        this.nodeId = nodeId;
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    @Override
    public void start(CoordinationListener l) {
        this.listener = l;
        log.join(this);
    }

    @Override
    public CompletableFuture<Long> append(long controllerEpoch, List<MetadataRecord> records) {
        return log.append(nodeId, controllerEpoch, records);
    }

    @Override
    public Optional<ControllerLocation> activeController() {
        synchronized (log) {
            return log.location();
        }
    }

    @Override
    public void close() {
        log.leave(this);
    }
}
