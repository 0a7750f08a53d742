package io.weir.broker.lifecycle;

import io.weir.broker.metadata.MetadataView;
import io.weir.controller.ApiError;
import io.weir.controller.broker.BrokerHeartbeatReply;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.record.BrokerEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A broker's membership, as in KRaft: register with the active controller (a new incarnation
 * id per process start), then heartbeat with the metadata offset replayed here; the controller
 * unfences the broker once it has caught up and fences it when heartbeats stop. A stale or
 * unknown broker epoch makes it register again. Shutdown asks the controller to let it go.
 * While the broker's data directory takes no appends (full or failed), each heartbeat says so
 * (Kafka's OfflineLogDirs) and the controller moves its leaderships to in-sync replicas.
 *
 * <p>Runs on its own thread; every call to the controller is bounded by the channel's timeout.
 */
public final class BrokerLifecycle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerLifecycle.class);
    /** The interval between calls while the broker joins (registers, then waits to be unfenced). */
    static final long JOINING_INTERVAL_MS = 50;

    private final int nodeId;
    private final UUID incarnationId = UUID.randomUUID();
    private final List<BrokerEndpoint> endpoints;
    private final String rack;
    private final MetadataView metadata;
    private final ControllerChannel channel;
    private final long heartbeatIntervalMs;
    private final BooleanSupplier logDirOffline;
    private final ScheduledExecutorService thread;
    /** What the last heartbeat said of the data directory; lifecycle thread only. */
    private boolean reportedOffline;
    /** Controller calls failed in a row; lifecycle thread only. */
    private int failedCalls;
    private volatile long brokerEpoch = -1;
    private volatile boolean shuttingDown;

    public BrokerLifecycle(int nodeId, List<BrokerEndpoint> endpoints, String rack, MetadataView metadata,
                           ControllerChannel channel, long heartbeatIntervalMs) {
        this(nodeId, endpoints, rack, metadata, channel, heartbeatIntervalMs, () -> false);
    }

    /** @param logDirOffline whether the data directory takes no appends now (asked before each heartbeat) */
    public BrokerLifecycle(int nodeId, List<BrokerEndpoint> endpoints, String rack, MetadataView metadata,
                           ControllerChannel channel, long heartbeatIntervalMs, BooleanSupplier logDirOffline) {
        this.logDirOffline = logDirOffline;
        this.nodeId = nodeId;
        this.endpoints = List.copyOf(endpoints);
        this.rack = rack;
        this.metadata = metadata;
        this.channel = channel;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "weir-broker-lifecycle-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        // The next call is always pending: close() must not wait for it to come due.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.thread = executor;
    }

    public void start() {
        thread.execute(this::tickAndReschedule);
    }

    /**
     * Until the broker is registered and unfenced, the next call follows after
     * {@value #JOINING_INTERVAL_MS} ms rather than a heartbeat interval, as Kafka's
     * BrokerLifecycleManager heartbeats at once while a broker catches up: the controller
     * unfences it on the first heartbeat that shows its metadata caught up, so every interval
     * waited here is start-up time (and failover time for a restarted node). Calls that fail
     * (no controller known or reachable) back off, doubling up to the heartbeat interval.
     */
    static long nextCallDelayMs(boolean registered, boolean unfenced, int failedCalls, long heartbeatIntervalMs) {
        if (registered && unfenced) return heartbeatIntervalMs;
        long backoff = JOINING_INTERVAL_MS << Math.min(failedCalls, 20);
        return Math.min(backoff, heartbeatIntervalMs);
    }

    private void tickAndReschedule() {
        boolean ticked = false;
        try {
            tick();
            ticked = true;
        } finally {
            // Even after an Error in tick() (a SIGBUS surfacing, say): without the next call the
            // broker would stop heartbeating for good and stay fenced.
            if (!shuttingDown && !thread.isShutdown()) {
                try {
                    thread.schedule(this::tickAndReschedule, nextCallDelayMs(brokerEpoch >= 0, isUnfenced(),
                            ticked ? failedCalls : failedCalls + 1, heartbeatIntervalMs), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // close() shut the thread down between the check and here.
                }
            }
        }
    }

    /** The broker epoch of the current registration, -1 while unregistered. */
    public long brokerEpoch() {
        return brokerEpoch;
    }

    /** True once the metadata image shows this broker registered and unfenced. */
    public boolean isUnfenced() {
        return metadata.image().isLive(nodeId);
    }

    private void tick() {
        try {
            if (brokerEpoch < 0) {
                BrokerRegistrationReply reply = channel.register(
                        new BrokerRegistrationRequest(nodeId, incarnationId, endpoints, rack));
                if (reply.status().isOk()) {
                    failedCalls = 0;
                    brokerEpoch = reply.brokerEpoch();
                    log.info("Broker {} registered with broker epoch {}", nodeId, brokerEpoch);
                } else {
                    failedCalls++;
                    log.info("Broker {} registration refused: {}", nodeId, reply.status());
                }
                return;
            }
            boolean offline = logDirOffline.getAsBoolean();
            if (offline != reportedOffline) {
                if (offline) {
                    log.warn("Broker {}: its data directory takes no appends; asking the controller to move the"
                            + " leadership of its partitions to in-sync replicas", nodeId);
                } else {
                    log.info("Broker {}: its data directory takes appends again; its replicas rejoin the ISRs"
                            + " as they catch up", nodeId);
                }
                reportedOffline = offline;
            }
            BrokerHeartbeatReply reply = channel.heartbeat(new BrokerHeartbeatRequest(nodeId, brokerEpoch,
                    metadata.image().offset(), false, shuttingDown, offline));
            ApiError error = reply.status().error();
            failedCalls = reply.status().isOk() ? 0 : failedCalls + 1;
            if (error == ApiError.STALE_BROKER_EPOCH || error == ApiError.BROKER_ID_NOT_REGISTERED) {
                log.info("Broker {} must register again: {}", nodeId, reply.status());
                brokerEpoch = -1;
            } else if (!reply.status().isOk()) {
                log.debug("Broker {} heartbeat answered {}", nodeId, reply.status());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failedCalls++;
            log.debug("Broker {} could not reach the controller: {}", nodeId, e.toString());
        }
    }

    /**
     * Tells the controller this broker is going away (best effort, bounded by the channel's
     * timeout) and stops heartbeating.
     */
    @Override
    public void close() {
        shuttingDown = true;
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) thread.shutdownNow();
            if (brokerEpoch >= 0) {
                channel.heartbeat(new BrokerHeartbeatRequest(nodeId, brokerEpoch, metadata.image().offset(), false, true));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("Broker {} could not tell the controller it is shutting down: {}", nodeId, e.toString());
        } finally {
            channel.close();
        }
    }
}
