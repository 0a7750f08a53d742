package io.weir.replication;

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
 * Requests waiting for a partition to change (Kafka's purgatories): long-poll fetches waiting
 * for data, acks=all produces waiting for the high watermark. A parked operation watches its
 * partitions; a change to one of them (append, HW advance, deletion) re-checks it, and its
 * deadline completes it anyway. Checks run on the purgatory's own thread, so the thread that
 * changed the partition never pays for them.
 */
public final class Purgatory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Purgatory.class);

    /** A parked request. */
    public interface DelayedOperation {
        /** Re-checks; completes the request and returns true when it can be answered. */
        boolean tryComplete();

        /** Completes the request as it stands (deadline or shutdown). */
        void forceComplete();
    }

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weir-purgatory");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentHashMap<TopicPartition, Set<Waiter>> watchers = new ConcurrentHashMap<>();

    private final class Waiter {
        final DelayedOperation fetch;
        final List<TopicPartition> partitions;
        final AtomicBoolean done = new AtomicBoolean();
        volatile ScheduledFuture<?> deadline;

        Waiter(DelayedOperation fetch, Collection<TopicPartition> partitions) {
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
                log.error("Delayed operation failed; completing it", e);
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
     * Parks {@code fetch} until a change to one of {@code partitions} satisfies it or
     * {@code maxWaitMs} passes. Checks once right after parking, so data appended between the
     * caller's read and this call is not missed.
     */
    public void park(DelayedOperation fetch, Collection<TopicPartition> partitions, long maxWaitMs) {
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

    /** New data, a new high watermark or a deletion on {@code tp}: re-check what watches it. */
    public void onChange(TopicPartition tp) {
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

    /** Number of parked operations watching {@code tp} (for tests and metrics). */
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
