package io.weir.broker.replica;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Long-poll fetches waiting for data (Kafka's DelayedFetch purgatory). A waiting fetch watches
 * its partitions; an append to one of them re-checks it, and its deadline completes it anyway.
 * Checks run on the purgatory's own thread, so an appending produce never pays for them.
 */
public final class FetchPurgatory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FetchPurgatory.class);

    /** A parked fetch. */
    public interface DelayedFetch {
        /** Re-reads; completes the fetch and returns true when it has enough data. */
        boolean tryComplete();

        /** Completes the fetch with whatever is there (deadline or shutdown). */
        void forceComplete();
    }

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weir-fetch-purgatory");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentHashMap<TopicPartition, Set<Waiter>> watchers = new ConcurrentHashMap<>();

    private final class Waiter {
        final DelayedFetch fetch;
        final List<TopicPartition> partitions;
        final AtomicBoolean done = new AtomicBoolean();
        volatile ScheduledFuture<?> deadline;

        Waiter(DelayedFetch fetch, Collection<TopicPartition> partitions) {
            this.fetch = fetch;
            this.partitions = List.copyOf(partitions);
        }

        void check(boolean force) {
            if (done.get()) return;
            try {
                if (force) {
                    fetch.forceComplete();
                } else if (!fetch.tryComplete()) {
                    return;
                }
            } catch (RuntimeException e) {
                log.error("Delayed fetch failed; completing it", e);
                fetch.forceComplete();
            }
            finish();
        }

        void finish() {
            if (!done.compareAndSet(false, true)) return;
            ScheduledFuture<?> d = deadline;
            if (d != null) d.cancel(false);
            for (TopicPartition tp : partitions) {
                watchers.computeIfPresent(tp, (k, set) -> {
                    set.remove(this);
                    return set.isEmpty() ? null : set;
                });
            }
        }
    }

    /**
     * Parks {@code fetch} until one of {@code partitions} gets data that satisfies it or
     * {@code maxWaitMs} passes. Checks once right after parking, so data appended between the
     * caller's read and this call is not missed.
     */
    public void park(DelayedFetch fetch, Collection<TopicPartition> partitions, long maxWaitMs) {
        Waiter waiter = new Waiter(fetch, partitions);
        for (TopicPartition tp : waiter.partitions) {
            watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(waiter);
        }
        try {
            waiter.deadline = thread.schedule(() -> waiter.check(true), maxWaitMs, TimeUnit.MILLISECONDS);
            thread.execute(() -> waiter.check(false));
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            waiter.check(true);
        }
    }

    /** New data (or a new high watermark) on {@code tp}: re-check the fetches watching it. */
    public void onAppend(TopicPartition tp) {
        Set<Waiter> set = watchers.get(tp);
        if (set == null || set.isEmpty()) return;
        try {
            thread.execute(() -> {
                Set<Waiter> current = watchers.get(tp);
                if (current == null) return;
                for (Waiter w : List.copyOf(current)) w.check(false);
            });
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            // closing: the deadline path has already completed every waiter
        }
    }

    /** Number of parked fetches watching {@code tp} (for tests and metrics). */
    public int watching(TopicPartition tp) {
        Set<Waiter> set = watchers.get(tp);
        return set == null ? 0 : set.size();
    }

    @Override
    public void close() {
        thread.shutdownNow();
        for (Set<Waiter> set : watchers.values()) {
            for (Waiter w : List.copyOf(set)) w.check(true);
        }
    }
}
