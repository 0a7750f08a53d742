package io.weir.controller.coordination;

import io.weir.controller.record.MetadataRecord;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The backend that orders and stores metadata records and elects the active controller.
 * Weir has two implementations: an Apache Ratis quorum ({@code metadata-quorum}) and
 * ZooKeeper ({@code zk-adapter}). The controller is written against this interface only.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>One log.</b> Committed batches are totally ordered by a metadata offset that
 *   strictly increases (it may have gaps). Every node sees the same batches in the same
 *   order, each batch exactly once, through {@link CoordinationListener#onCommit}.</li>
 *   <li><b>Snapshots.</b> A node that starts from (or is sent) a snapshot receives it through
 *   {@link CoordinationListener#onSnapshot} before any batch with a higher offset; batches at
 *   or below the snapshot offset are not delivered again.</li>
 *   <li><b>Controller epoch.</b> At most one node is leader for a given epoch, and epochs
 *   strictly increase. {@link CoordinationListener#onLeadershipGained} is called only after
 *   every batch committed in earlier epochs has been delivered to this node, so the
 *   controller's image is complete when it starts writing.</li>
 *   <li><b>Fenced writes.</b> {@link #append} commits only if this node is still leader at
 *   {@code controllerEpoch} when the batch is ordered; a deposed leader's batch never
 *   commits (it fails with {@link NotControllerException}). A batch is atomic: all of its
 *   records commit or none does.</li>
 * </ul>
 *
 * <p>Listener callbacks are made from one backend thread at a time, in order; they must not
 * block for long (hand work to the controller's own thread).
 */
public interface Coordination extends AutoCloseable {

    /** This node's id (broker/controller node id). */
    int nodeId();

    /**
     * Starts delivering events to {@code listener}: first the latest local snapshot (if any),
     * then committed batches, then leadership changes as they happen. Call once.
     */
    void start(CoordinationListener listener);

    /**
     * Appends one batch of records as the leader at {@code controllerEpoch}.
     *
     * @return completes with the batch's metadata offset once it is committed, or
     *     exceptionally with {@link NotControllerException} when this node is not (or no
     *     longer) leader at that epoch, or another exception when the outcome is unknown
     *     (e.g. a timeout); after an unknown outcome the caller must resync from committed
     *     state before writing again
     */
    CompletableFuture<Long> append(long controllerEpoch, List<MetadataRecord> records);

    /** Where the active controller is, as far as this node knows; empty during elections. */
    Optional<ControllerLocation> activeController();

    /** Stops the backend on this node; leadership, if held, is lost. Idempotent. */
    @Override
    void close();
}
