package io.weir.zk;

import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's {@link CoordinationListener} seen from the ZooKeeper worker: every call is queued
 * to one callback thread and made there, in the order queued. So the worker never waits for a
 * slow listener (a resignation is never delayed by one), and the listener sees one event at a
 * time. A listener that throws is logged and the next event still comes; after
 * {@link #close} or {@link #crash} events are dropped.
 */
final class OrderedCallbacks implements CoordinationListener {
    private static final Logger LOG = LoggerFactory.getLogger(OrderedCallbacks.class);

    private final int nodeId;
    private final ExecutorService thread;
    private volatile CoordinationListener listener;

    OrderedCallbacks(int nodeId) {
        this.nodeId = nodeId;
        this.thread = Executors.newSingleThreadExecutor(daemon("weir-zk-events-" + nodeId));
    }

    /** The listener every later event goes to; set once, before the first event. */
    void deliverTo(CoordinationListener l) {
        listener = l;
    }

    @Override
    public void onCommit(long offset, long controllerEpoch, List<MetadataRecord> records) {
        post(() -> listener.onCommit(offset, controllerEpoch, records));
    }

    @Override
    public void onSnapshot(MetadataImage image) {
        post(() -> listener.onSnapshot(image));
    }

    @Override
    public void onLeadershipGained(long controllerEpoch) {
        post(() -> listener.onLeadershipGained(controllerEpoch));
    }

    @Override
    public void onLeadershipLost(long controllerEpoch) {
        post(() -> listener.onLeadershipLost(controllerEpoch));
    }

    @Override
    public void onControllerChanged(Optional<ControllerLocation> controller) {
        post(() -> listener.onControllerChanged(controller));
    }

    private void post(Runnable callback) {
        try {
            thread.execute(() -> {
                try {
                    callback.run();
                } catch (RuntimeException e) {
                    LOG.error("metadata listener of node {} failed", nodeId, e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("node {} is closed; dropping a metadata event", nodeId);
        }
    }

    /** Delivers what is queued (for up to {@code timeoutMs}), then drops later events. */
    void close(long timeoutMs) {
        stop(thread, timeoutMs);
    }

    /** Drops what is queued, as a crashed process would. */
    void crash() {
        thread.shutdownNow();
    }

    /** Shuts {@code executor} down, letting queued work finish for up to {@code timeoutMs}. */
    static void stop(ExecutorService executor, long timeoutMs) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }

    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
