package io.weir.controller;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread of a {@link QuorumController}: requests, commits, leadership events and the
 * periodic tasks run on it, one at a time, in the order they were handed over.
 */
final class ControllerThread {
    private static final Logger LOG = LoggerFactory.getLogger(QuorumController.class);

    private final int nodeId;
    private final ScheduledThreadPoolExecutor thread;

    ControllerThread(int nodeId) {
        this.nodeId = nodeId;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "weir-controller-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        this.thread.setRemoveOnCancelPolicy(true);
    }

    /** Tasks waiting to run. */
    int queued() {
        return thread.getQueue().size();
    }

    /** @throws RejectedExecutionException the thread was shut down */
    void execute(Runnable task) {
        thread.execute(task);
    }

    /** Runs {@code task} on the thread; false (and the task dropped) only once the thread is shut down. */
    boolean runAlways(Runnable task) {
        try {
            thread.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            LOG.debug("controller of node {} is closed; dropping an event", nodeId);
            return false;
        }
    }

    /** Runs {@code task} every {@code periodMs}, the first time after one period. */
    void every(long periodMs, Runnable task) {
        thread.scheduleWithFixedDelay(task, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** @throws RejectedExecutionException the thread was shut down */
    void after(long delayMs, Runnable task) {
        thread.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    }

    /** Lets the queued tasks run and stops the thread, waiting up to 5 s. */
    void shutdown() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("controller thread of node {} did not stop", nodeId);
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
    }
}
