package io.weir.controller;

import io.weir.controller.broker.BrokerControlManager;
import io.weir.controller.broker.BrokerHeartbeatReply;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerHeartbeatTracker;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.config.AlterConfigOp;
import io.weir.controller.config.ConfigControlManager;
import io.weir.controller.quota.ClientQuotaControlManager;
import io.weir.controller.quota.ClientQuotaEntity;
import io.weir.controller.coordination.Coordination;
import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.NotControllerException;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.partition.AlterPartitionReply;
import io.weir.controller.partition.AlterPartitionRequest;
import io.weir.controller.partition.BrokerLivenessChanges;
import io.weir.controller.partition.ElectionType;
import io.weir.controller.partition.PartitionControlManager;
import io.weir.controller.partition.TopicPartitionName;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreatePartitionsRequest;
import io.weir.controller.topic.CreateTopicResult;
import io.weir.controller.topic.TopicControlManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller on one node, independent of the coordination backend. Every node runs one:
 * it replays committed batches into the {@link #image() committed image} (which brokers read),
 * and while this node leads the metadata log it also serves controller requests.
 *
 * <p>Single writer: requests, commits and leadership events all run on one controller
 * thread. A request runs a control manager against the <em>working image</em> (committed image
 * plus this leader's appended-but-uncommitted batches), replays the resulting records into it
 * (which validates them), appends them through {@link Coordination#append} at the current
 * controller epoch, and answers once the batch is committed and replayed here. One append is
 * in flight at a time; writes decided meanwhile share the next one. If an append fails, the
 * writes decided on top of it fail too and new writes are refused until the working image has
 * been rebuilt from the committed one, so nothing is appended on top of a batch that did not
 * commit.
 *
 * <p>Why one file of about 540 lines, over the 500 of the project rule: the public API is one
 * short method per controller request (brokers, topics, partitions, reassignment and draining,
 * configs, SCRAM credentials, client quotas, producer ids), and the write pipeline (decide, batch,
 * append, wait for replay, resync after a failed append, resign) shares the controller thread's
 * state (active epoch, working image, in-flight count) with the backend's events; split apart, its
 * invariants would span two classes that must agree on every field. What does not share that state
 * lives elsewhere: the decisions in the control managers, balancing and draining in
 * {@link AutoBalance}, the queues of decided writes in {@link PendingWrites}, the thread in
 * {@link ControllerThread}.
 */
public final class QuorumController implements CoordinationListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QuorumController.class);
    static final long MAX_FENCE_CHECK_PERIOD_MS = 100;

    private final Coordination coordination;
    private final ControllerConfig config;
    private final LongSupplier clockMs;
    private final ControllerThread thread;
    private final BrokerControlManager brokers;
    private final TopicControlManager topics;
    private final PartitionControlManager partitions;
    private final ConfigControlManager configs = new ConfigControlManager();
    private final io.weir.controller.security.ScramControlManager scram = new io.weir.controller.security.ScramControlManager();
    private final ClientQuotaControlManager quotas = new ClientQuotaControlManager();
    private final io.weir.controller.acl.AclControlManager acls;
    private final ProducerIdControlManager producerIds;
    private final List<Consumer<MetadataImage>> imageListeners = new CopyOnWriteArrayList<>();
    private final AutoBalance balance;

    private volatile MetadataImage committed = MetadataImage.EMPTY;
    private volatile long activeEpoch = -1;
    private volatile boolean closed;
    private final LongAdder appendCount = new LongAdder();
    private final LongAdder appendedRecordCount = new LongAdder();
    private final LongAdder failedAppendCount = new LongAdder();
    private final LongAdder appendLatencyMs = new LongAdder();

    // Controller-thread state.
    private MetadataImage working;
    private int inFlight;
    private long highestAppendedOffset = -1;
    private boolean resyncNeeded;
    private final PendingWrites pending = new PendingWrites();
    private boolean flushScheduled;

    /**
     * @param clockMs monotonic milliseconds (e.g. {@code System.nanoTime() / 1_000_000})
     * @param topicIds source of new topic ids
     */
    public QuorumController(Coordination coordination, ControllerConfig config, LongSupplier clockMs,
                            Supplier<UUID> topicIds) {
        this.coordination = coordination;
        this.config = config;
        this.clockMs = clockMs;
        this.brokers = new BrokerControlManager(
            new BrokerHeartbeatTracker(config.brokerSessionTimeout().toMillis(),
                fenceCheckPeriodMs(config.brokerSessionTimeout())));
        // A broker whose heartbeat reports its data directory offline cannot join an ISR.
        this.partitions = new PartitionControlManager(brokers.heartbeats()::isLogDirOffline);
        this.topics = new TopicControlManager(config, topicIds);
        this.acls = new io.weir.controller.acl.AclControlManager(topicIds);
        this.producerIds = new ProducerIdControlManager(config.producerIdBlockSize());
        this.balance = new AutoBalance(config, partitions);
        this.thread = new ControllerThread(coordination.nodeId());
    }

    /** A controller with the system clock and random topic ids. */
    public static QuorumController create(Coordination coordination, ControllerConfig config) {
        return new QuorumController(coordination, config, () -> System.nanoTime() / 1_000_000,
            UUID::randomUUID);
    }

    /** Starts replaying and, when elected, serving. Call once. */
    public void start() {
        long period = fenceCheckPeriodMs(config.brokerSessionTimeout());
        thread.every(period, this::fenceExpiredBrokers);
        if (balance.intervalMs() > 0) {
            thread.every(balance.intervalMs(), this::autoBalance);
        }
        coordination.start(this);
    }

    /**
     * How often the active controller looks for brokers whose session expired: eight times per
     * session timeout, as Kafka's QuorumController ({@code maybeFenceStaleBrokerPeriodNs}), but at
     * least every {@value #MAX_FENCE_CHECK_PERIOD_MS} ms, so a dead broker is fenced at most that
     * long after its session ends (a check with no expired broker writes nothing).
     */
    static long fenceCheckPeriodMs(java.time.Duration brokerSessionTimeout) {
        return Math.max(1, Math.min(MAX_FENCE_CHECK_PERIOD_MS, brokerSessionTimeout.toMillis() / 8));
    }

    /** This controller's settings (for example {@code num.partitions}, which CreateTopics may leave to it). */
    public ControllerConfig config() {
        return config;
    }

    /** The image as of the last committed batch replayed on this node. */
    public MetadataImage image() {
        return committed;
    }

    /**
     * Where the balancer learns partition sizes (bytes of one replica's log). The byte goal is
     * used only when the map covers every partition; a partial view would mislead it.
     */
    public void setPartitionSizes(Supplier<Map<TopicPartitionName, Long>> sizes) {
        balance.setPartitionSizes(sizes);
    }

    /** Called on the controller thread with each new committed image; must not block. */
    public void addImageListener(Consumer<MetadataImage> listener) {
        imageListeners.add(listener);
    }

    /**
     * Counters for metrics, readable from any thread.
     *
     * @param appends metadata batches this node appended (as active controller)
     * @param appendedRecords records in those batches
     * @param failedAppends batches that did not commit
     * @param appendLatencyMsTotal sum over committed batches of append-to-commit time
     * @param pendingWrites decided writes waiting for the batch in flight
     */
    public record Stats(long activeEpoch, long committedOffset, long appends, long appendedRecords,
                       long failedAppends, long appendLatencyMsTotal, int pendingWrites,
                       int queuedTasks) {
    }

    public Stats stats() {
        return new Stats(activeEpoch, committed.offset(), appendCount.sum(),
            appendedRecordCount.sum(), failedAppendCount.sum(), appendLatencyMs.sum(),
            pending.pendingCount(), thread.queued());
    }

    public boolean isActive() {
        return activeEpoch >= 0;
    }

    /** The epoch this node leads, or -1. */
    public long activeEpoch() {
        return activeEpoch;
    }

    public Optional<ControllerLocation> activeController() {
        return coordination.activeController();
    }

    public CompletableFuture<BrokerRegistrationReply> registerBroker(BrokerRegistrationRequest r) {
        return write("registerBroker", img -> brokers.register(img, r, clockMs.getAsLong()));
    }

    /** Kafka's UnregisterBroker, for decommissioned brokers. */
    public CompletableFuture<ApiStatus> unregisterBroker(int brokerId) {
        return write("unregisterBroker", img -> brokers.unregister(img, brokerId));
    }

    public CompletableFuture<BrokerHeartbeatReply> brokerHeartbeat(BrokerHeartbeatRequest r) {
        return write("brokerHeartbeat", img -> brokers.heartbeat(img, r, clockMs.getAsLong()));
    }

    public CompletableFuture<List<CreateTopicResult>> createTopics(List<CreatableTopic> request,
                                                                   boolean validateOnly) {
        return write("createTopics", img -> topics.createTopics(img, request, validateOnly));
    }

    public CompletableFuture<Map<String, ApiStatus>> deleteTopics(List<String> names) {
        return write("deleteTopics", img -> topics.deleteTopics(img, names));
    }

    public CompletableFuture<Map<UUID, ApiStatus>> deleteTopicsById(List<UUID> ids) {
        return write("deleteTopicsById", img -> topics.deleteTopicsById(img, ids));
    }

    public CompletableFuture<Map<String, ApiStatus>> createPartitions(
        List<CreatePartitionsRequest> request, boolean validateOnly) {
        return write("createPartitions", img -> topics.createPartitions(img, request, validateOnly));
    }

    public CompletableFuture<List<AlterPartitionReply>> alterPartitions(
        List<AlterPartitionRequest> request) {
        return write("alterPartitions", img -> partitions.alterPartitions(img, request));
    }

    public CompletableFuture<Map<TopicPartitionName, ApiStatus>> electLeaders(
        ElectionType type, List<TopicPartitionName> request) {
        return write("electLeaders", img -> partitions.electLeaders(img, type, request));
    }

    public CompletableFuture<Map<TopicPartitionName, ApiStatus>> alterPartitionReassignments(
        Map<TopicPartitionName, Optional<List<Integer>>> targets) {
        return write("alterPartitionReassignments",
            img -> partitions.alterPartitionReassignments(img, targets));
    }

    /**
     * Starts moving every replica off {@code brokerIds} (at most
     * {@code maxConcurrentReassignments} partitions now; later rounds of automatic balancing
     * or further calls move the rest). The brokers stay excluded as destinations on this
     * controller until {@link #undrainBrokers}; the set is soft state and not carried over a
     * controller failover, so drain, then shut the brokers down.
     */
    public CompletableFuture<Map<TopicPartitionName, ApiStatus>> drainBrokers(Set<Integer> brokerIds) {
        return write("drainBrokers", img -> balance.drain(img, brokerIds));
    }

    public CompletableFuture<Void> undrainBrokers(Set<Integer> brokerIds) {
        return write("undrainBrokers", img -> balance.undrain(brokerIds));
    }

    /** One round of balancing now (as the automatic balancer would). */
    public CompletableFuture<Map<TopicPartitionName, ApiStatus>> rebalance() {
        return write("rebalance", balance::step);
    }

    public CompletableFuture<Map<ConfigResource, ApiStatus>> incrementalAlterConfigs(
        Map<ConfigResource, List<AlterConfigOp>> changes, boolean validateOnly) {
        return write("incrementalAlterConfigs",
            img -> configs.incrementalAlterConfigs(img, changes, validateOnly));
    }

    /** Kafka's AlterUserScramCredentials: per user, all of its changes or none. */
    public CompletableFuture<Map<String, ApiStatus>> alterUserScramCredentials(
        List<io.weir.controller.security.ScramControlManager.Deletion> deletions,
        List<io.weir.controller.security.ScramControlManager.Upsertion> upsertions) {
        return write("alterUserScramCredentials", img -> scram.alter(img, deletions, upsertions));
    }

    /** Kafka's CreateAcls: one status per creation, in order. */
    public CompletableFuture<List<ApiStatus>> createAcls(List<io.weir.controller.acl.AclBinding> creations) {
        return write("createAcls", img -> acls.createAcls(img, creations));
    }

    /** Kafka's DeleteAcls: per filter, the ACLs it removed. */
    public CompletableFuture<List<io.weir.controller.acl.AclControlManager.Deletion>> deleteAcls(
        List<io.weir.controller.acl.AclFilter> filters) {
        return write("deleteAcls", img -> acls.deleteAcls(img, filters));
    }

    public CompletableFuture<Map<ClientQuotaEntity, ApiStatus>> alterClientQuotas(
        List<ClientQuotaControlManager.Alteration> alterations, boolean validateOnly) {
        return write("alterClientQuotas", img -> quotas.alterClientQuotas(img, alterations, validateOnly));
    }

    public CompletableFuture<ProducerIdControlManager.ProducerIdBlock> allocateProducerIds(
        int brokerId, long brokerEpoch) {
        return write("allocateProducerIds", img -> producerIds.allocate(img, brokerId, brokerEpoch));
    }

    // ---- CoordinationListener: called by the backend, handed to the controller thread ----

    @Override
    public void onCommit(long offset, long controllerEpoch, List<MetadataRecord> records) {
        runAlways(() -> {
            if (offset <= committed.offset()) {
                LOG.warn("ignoring batch at offset {} at or below image offset {}", offset,
                    committed.offset());
                return;
            }
            if (isActive() && controllerEpoch > activeEpoch) {
                resign("a batch of epoch " + controllerEpoch + " committed");
            }
            for (MetadataRecord r : records) {
                if (r instanceof RegisterBrokerRecord reg) {
                    brokers.heartbeats().registrationCommitted(reg.brokerId(), offset);
                }
            }
            try {
                publish(committed.apply(offset, records));
            } catch (RuntimeException e) {
                // Every node replays the same batch, so this is a controller bug, not a fault
                // of this node; keep the previous image rather than guess.
                LOG.error("cannot replay committed batch at offset {}: {}", offset, records, e);
                publish(committed.withOffset(offset));
            }
        });
    }

    @Override
    public void onSnapshot(MetadataImage image) {
        runAlways(() -> {
            if (image.offset() <= committed.offset()) {
                return;
            }
            if (isActive()) {
                resign("a snapshot was loaded");
            }
            publish(image);
        });
    }

    @Override
    public void onLeadershipGained(long controllerEpoch) {
        runAlways(() -> {
            activeEpoch = controllerEpoch;
            working = committed;
            resyncNeeded = false;
            long now = clockMs.getAsLong();
            brokers.heartbeats().resetAll(committed.brokers().keySet(), now);
            LOG.info("node {} is the active controller at epoch {} from offset {}",
                coordination.nodeId(), controllerEpoch, committed.offset());
            electLeaderless();
        });
    }

    @Override
    public void onLeadershipLost(long controllerEpoch) {
        runAlways(() -> {
            if (activeEpoch == controllerEpoch) {
                resign("leadership of epoch " + controllerEpoch + " lost");
            }
        });
    }

    @Override
    /**
     * Stops the controller thread. Requests still queued or waiting for their commit fail
     * (NOT_CONTROLLER), so no caller waits forever; a write already appended may still commit.
     * Does not close the {@link Coordination}.
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        runAlways(() -> {
            activeEpoch = -1;
            working = null;
            flush();
            NotControllerException e = new NotControllerException("controller of node "
                + coordination.nodeId() + " closed", Optional.empty());
            pending.failWaiting(e);
        });
        thread.shutdown();
    }

    // ---- the write path (controller thread) ----

    private <T> CompletableFuture<T> write(String name,
                                           Function<MetadataImage, ControllerResult<T>> op) {
        CompletableFuture<T> future = new CompletableFuture<>();
        if (thread.queued() >= config.maxPendingRequests()) {
            future.completeExceptionally(new RejectedExecutionException(
                "controller queue is full (" + config.maxPendingRequests() + ")"));
            return future;
        }
        try {
            thread.execute(() -> runWrite(name, op, future));
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(notController());
        }
        return future;
    }

    private <T> void runWrite(String name, Function<MetadataImage, ControllerResult<T>> op,
                              CompletableFuture<T> future) {
        if (!isActive() || resyncNeeded || closed) {
            future.completeExceptionally(notController());
            return;
        }
        ControllerResult<T> result;
        MetadataImage next;
        try {
            result = op.apply(working);
            if (result.atomic() && result.records().size() > config.maxRecordsPerBatch()) {
                throw new IllegalArgumentException(name + " produced " + result.records().size()
                    + " records, more than " + config.maxRecordsPerBatch());
            }
            next = result.records().isEmpty() ? working
                : working.apply(working.offset(), result.records());
        } catch (RuntimeException e) {
            LOG.error("{} failed on the active controller", name, e);
            future.completeExceptionally(e);
            return;
        }
        if (result.records().isEmpty()) {
            future.complete(result.response());
            return;
        }
        working = next;
        // Consecutive in the queue and appended one batch at a time, so the parts commit in order;
        // the answer waits for the last one, and a part that fails fails the write.
        List<List<MetadataRecord>> parts = PendingWrites.split(result.records(), config.maxRecordsPerBatch());
        for (int i = 0; i < parts.size(); i++) {
            Runnable onCommitted = i == parts.size() - 1 ? () -> future.complete(result.response()) : () -> { };
            pending.add(new PendingWrites.Write(name, parts.get(i), onCommitted, future::completeExceptionally));
        }
        if (!flushScheduled && inFlight == 0) {
            // Runs after the requests already queued, so they share one append (one fsync).
            flushScheduled = true;
            runAlways(this::flush);
        }
    }

    /**
     * Appends decided-but-unappended writes as one batch (up to maxRecordsPerBatch records).
     * Only one batch is in flight at a time: a batch is decided on the state its predecessor
     * leaves, so a later batch must never commit after an earlier one failed. Writes decided
     * meanwhile wait here and go out together when the batch in flight completes.
     */
    private void flush() {
        flushScheduled = false;
        if (pending.isEmpty()) {
            return;
        }
        if (!isActive() || resyncNeeded || closed) {
            // Decided on a working image that may hold a failed batch: never append them.
            pending.failPending(notController());
            return;
        }
        if (inFlight > 0) {
            return;
        }
        List<PendingWrites.Write> writes = pending.takeBatch(config.maxRecordsPerBatch());
        List<MetadataRecord> records = new ArrayList<>();
        writes.forEach(w -> records.addAll(w.records()));
        inFlight++;
        long epoch = activeEpoch;
        long startMs = clockMs.getAsLong();
        appendCount.increment();
        appendedRecordCount.add(records.size());
        coordination.append(epoch, records).whenComplete((offset, error) -> {
            boolean accepted = runAlways(() -> {
                inFlight--;
                if (error != null) {
                    failedAppendCount.increment();
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                    LOG.info("append of {} records ({} ...) at epoch {} failed: {}",
                        records.size(), writes.get(0).name(), epoch, cause.toString());
                    Throwable reported = cause instanceof NotControllerException
                        ? cause : notController();
                    writes.forEach(w -> w.onFailure().accept(reported));
                    resyncNeeded = true;
                    // Decided on top of the failed batch: they must not be appended.
                    pending.failPending(notController());
                } else {
                    highestAppendedOffset = Math.max(highestAppendedOffset, offset);
                    appendLatencyMs.add(Math.max(0, clockMs.getAsLong() - startMs));
                    pending.whenReplayed(offset, committed.offset(), writes);
                }
                maybeResync();
                flush();
            });
            if (!accepted) {
                NotControllerException e = new NotControllerException("controller of node "
                    + coordination.nodeId() + " closed", Optional.empty());
                writes.forEach(w -> w.onFailure().accept(e));
            }
        });
    }

    private void fenceExpiredBrokers() {
        if (!isActive() || resyncNeeded) {
            return;
        }
        long now = clockMs.getAsLong();
        // The callback goes on the future the write completes (whenComplete returns another one).
        CompletableFuture<List<Integer>> done = new CompletableFuture<>();
        done.thenAccept(fenced -> {
            if (!fenced.isEmpty()) LOG.info("fenced brokers {} after missed heartbeats", fenced);
        });
        runWrite("fenceExpiredBrokers", img -> brokers.fenceExpired(img, now, config.maxRecordsPerBatch()), done);
    }

    private void autoBalance() {
        if (!isActive() || resyncNeeded) {
            return;
        }
        runWrite("autoBalance", balance::step, AutoBalance.loggingStarted());
    }

    private void publish(MetadataImage image) {
        MetadataImage previous = committed;
        committed = image;
        if (isActive() && !closed && balance.membershipChanged(previous, image)) {
            // A broker joined or left: balance soon rather than at the next period.
            thread.after(AutoBalance.AFTER_MEMBERSHIP_CHANGE_MS, this::autoBalance);
        }
        pending.replayedUpTo(image.offset());
        maybeResync();
        for (Consumer<MetadataImage> l : imageListeners) {
            try {
                l.accept(image);
            } catch (RuntimeException e) {
                LOG.warn("image listener failed", e);
            }
        }
    }

    private void maybeResync() {
        if (resyncNeeded && inFlight == 0 && committed.offset() >= highestAppendedOffset) {
            resyncNeeded = false;
            if (isActive()) {
                working = committed;
                electLeaderless();
            }
        }
    }

    /**
     * Completes an unfencing whose elections a failed append cut short (see
     * {@link BrokerLivenessChanges#electLeaderless}); usually it finds nothing to do.
     */
    private void electLeaderless() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        done.whenComplete((ok, error) -> {
            if (error != null) LOG.info("electing leaderless partitions failed: {}", error.toString());
        });
        runWrite("electLeaderless", img -> ControllerResult.nonAtomic(BrokerLivenessChanges.electLeaderless(img), null), done);
    }

    private void resign(String why) {
        LOG.info("node {} stops being the active controller of epoch {}: {}",
            coordination.nodeId(), activeEpoch, why);
        activeEpoch = -1;
        working = null;
        resyncNeeded = inFlight > 0;
        flush();
    }

    private NotControllerException notController() {
        return new NotControllerException("node " + coordination.nodeId()
            + " is not the active controller", coordination.activeController());
    }

    /** Runs on the controller thread; events from the backend are never dropped. */
    private boolean runAlways(Runnable task) {
        return thread.runAlways(task);
    }
}
