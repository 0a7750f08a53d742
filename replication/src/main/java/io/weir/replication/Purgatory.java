package io.weir.replication;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Requests waiting for a partition to change (Kafka's purgatories): long-poll fetches waiting
 * for data, acks=all produces waiting for the high watermark. A parked operation watches its
 * partitions; a change to one of them (append, HW advance, deletion) re-checks it, and its
 * deadline completes it anyway. Checks run on the purgatory's own thread, so the thread that
 * changed the partition never pays for them.
 *
 * <p><b>What other threads touch is lock-free.</b> {@link #park} and {@link #onChange} only
 * offer to a {@link ConcurrentLinkedQueue} and unpark the purgatory thread; every other piece
 * of state (the watchers, the deadlines) belongs to that one thread. The callers are the threads
 * that write memory-mapped pages, and a write that faults (a full disk: SIGBUS) surfaces as an
 * {@code InternalError} at whatever point the writing thread next checks for asynchronous
 * exceptions: inside a lock-based queue (a scheduled executor's), that left the queue corrupt
 * and the purgatory thread dead. A lock-free offer is consistent at every step, so an error
 * thrown anywhere in it loses at most that one notification; the thread also wakes at least
 * every {@value #MAX_SLEEP_MS} ms, so a lost wake-up delays nothing for longer than that.
 *
 * <p><b>Completing on the changing thread.</b> {@link #checkAndComplete} re-checks the registered
 * waiters of a partition on the thread that changed it first, as Kafka's
 * {@code DelayedOperationPurgatory.checkAndComplete} does, but only those waiting for that kind of
 * change ({@link WaitsFor}): a leader append answers the followers' parked fetches, a follower
 * fetch that moves the high watermark the acks=all produces and consumer fetches waiting for it,
 * without waking this thread: two thread hand-offs fewer on the path of a record. That pass only
 * reads the waiters (a concurrent map, written by this thread alone) and calls
 * {@link DelayedOperation#tryComplete}; it then announces the change as {@link #onChange} does,
 * so this thread still removes what completed and re-checks the rest (a park still in the inbox
 * is checked at registration, after the change).
 */
public final class Purgatory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Purgatory.class);
    static final long MAX_SLEEP_MS = 100;

    /**
     * A parked request. Both methods may be called by several threads at once (the purgatory's
     * and a changing thread's, {@link #checkAndComplete}) and after the request completed:
     * implementations synchronize and answer a request once.
     */
    public interface DelayedOperation {
        /** Re-checks; completes the request and returns true when it can be answered. */
        boolean tryComplete();

        /** Completes the request as it stands (deadline or shutdown). */
        void forceComplete();

        /**
         * What this waits for, so that a changing thread re-checks only what its change can answer
         * ({@link #checkAndComplete}); the purgatory thread checks every waiter of a changed
         * partition whatever it waits for.
         */
        default WaitsFor waitsFor() {
            return WaitsFor.OTHER;
        }
    }

    /** What a parked operation waits for. */
    public enum WaitsFor {
        /**
         * New batches at the log end (a follower's fetch). Checked on the appending thread, which
         * holds no lock of the partition but may hold others (a group coordinator holds its
         * group's): neither the check nor what runs on the answer may take a lock that can wait
         * for one of those (a fetch takes the partitions', its own monitor, its fetch session's
         * and the session cache's, and the replication throttle's).
         */
        DATA,
        /**
         * The high watermark (acks=all, a consumer's fetch). Checked on the thread of the
         * follower fetch that moved it, which holds no lock.
         */
        HIGH_WATERMARK,
        /** Anything else: the purgatory thread only. */
        OTHER
    }

    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** Parks and changes from other threads, in the order they were offered. */
    private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    // Written by the purgatory thread only; `watchers` is read by changing threads too
    // (checkAndComplete), `watching` reads a concurrent copy of the counts.
    private final Map<TopicPartition, Set<Waiter>> watchers = new ConcurrentHashMap<>();
    private final TreeSet<Waiter> deadlines = new TreeSet<>();
    private final ConcurrentHashMap<TopicPartition, Integer> watchCounts = new ConcurrentHashMap<>();

    private static final class Waiter implements Comparable<Waiter> {
        final DelayedOperation operation;
        final List<TopicPartition> partitions;
        final long deadlineNanos;
        final long sequence = SEQUENCE.incrementAndGet();
        /** Set by the purgatory thread; a changing thread reads it to skip what has left. */
        volatile boolean done;

        Waiter(DelayedOperation operation, Collection<TopicPartition> partitions, long deadlineNanos) {
            this.operation = operation;
            this.partitions = List.copyOf(new LinkedHashSet<>(partitions));
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public int compareTo(Waiter o) {
            int byTime = Long.compare(deadlineNanos - o.deadlineNanos, 0);
            return byTime != 0 ? byTime : Long.compare(sequence, o.sequence);
        }
    }

    public Purgatory() {
        thread = new Thread(this::run, "weir-purgatory");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Parks {@code operation} until a change to one of {@code partitions} satisfies it or
     * {@code maxWaitMs} passes. Checks once right after parking, so data appended between the
     * caller's read and this call is not missed.
     */
    public void park(DelayedOperation operation, Collection<TopicPartition> partitions, long maxWaitMs) {
        Waiter waiter = new Waiter(operation, partitions,
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, maxWaitMs)));
        inbox.offer(waiter);
        if (closed) {
            drainAfterClose();
        } else {
            LockSupport.unpark(thread);
        }
    }

    /** New data, a new high watermark or a deletion on {@code tp}: re-check what watches it. */
    public void onChange(TopicPartition tp) {
        // A park still in the inbox is checked when the thread takes it, after this change.
        if (closed || !watchCounts.containsKey(tp)) return;
        inbox.offer(tp);
        LockSupport.unpark(thread);
    }

    /**
     * {@code tp} changed on the calling thread in a way that may answer waiters at once:
     * {@code change} is {@link WaitsFor#DATA} after a leader append, {@link WaitsFor#HIGH_WATERMARK}
     * after a follower's fetch moved the high watermark. Re-checks here and now the registered
     * waiters of {@code tp} that wait for that (see {@link WaitsFor} for the locks the caller may
     * hold), then announces the change as {@link #onChange}, which checks the rest on the
     * purgatory thread. Nothing an operation throws here reaches the caller, whose change is
     * already made (an append is in the log: failing it would make a producer write it again):
     * the operation is left to the purgatory thread, which checks it again and completes it as it
     * always does, also after an {@code Error} (a faulted mapped read of another partition, no
     * direct memory for a response).
     */
    public void checkAndComplete(TopicPartition tp, WaitsFor change) {
        try {
            Set<Waiter> set = closed ? null : watchers.get(tp);
            if (set == null) return;
            for (Waiter w : set) {
                if (w.done || w.operation.waitsFor() != change) continue;
                try {
                    w.operation.tryComplete();
                } catch (RuntimeException e) {
                    log.debug("Delayed operation on {} failed on the changing thread; the purgatory completes it", tp, e);
                } catch (Error e) {
                    log.warn("Delayed operation on {} failed on the changing thread; the purgatory completes it", tp, e);
                }
            }
        } finally {
            // The purgatory thread always hears of the change, so nothing waits out its deadline
            // for want of a check.
            onChange(tp);
        }
    }

    /** Number of parked operations watching {@code tp} (for tests and metrics). */
    public int watching(TopicPartition tp) {
        return watchCounts.getOrDefault(tp, 0);
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainAfterClose();
    }

    private void run() {
        while (!closed) {
            try {
                step();
            } catch (Throwable t) {
                // Never die: every parked request would wait forever.
                log.error("Purgatory step failed; going on", t);
            }
        }
        // Closed: answer everything parked as it stands.
        for (Waiter w : List.copyOf(deadlines)) check(w, true);
    }

    private void step() {
        Set<TopicPartition> changed = new LinkedHashSet<>();
        Object item;
        while ((item = inbox.poll()) != null) {
            if (item instanceof Waiter w) {
                register(w);
                check(w, false);
            } else {
                changed.add((TopicPartition) item);
            }
        }
        for (TopicPartition tp : changed) {
            Set<Waiter> set = watchers.get(tp);
            if (set == null) continue;
            for (Waiter w : List.copyOf(set)) check(w, false);
        }
        long now = System.nanoTime();
        while (!deadlines.isEmpty() && deadlines.first().deadlineNanos - now <= 0) {
            check(deadlines.first(), true);
        }
        if (!inbox.isEmpty()) return;
        long sleep = TimeUnit.MILLISECONDS.toNanos(MAX_SLEEP_MS);
        if (!deadlines.isEmpty()) sleep = Math.min(sleep, deadlines.first().deadlineNanos - now);
        if (sleep > 0) LockSupport.parkNanos(this, sleep);
    }

    private void register(Waiter w) {
        deadlines.add(w);
        for (TopicPartition tp : w.partitions) {
            watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(w);
            watchCounts.merge(tp, 1, Integer::sum);
        }
    }

    private void check(Waiter w, boolean force) {
        if (w.done) return;
        boolean completed = force;
        try {
            if (force) {
                w.operation.forceComplete();
            } else {
                completed = w.operation.tryComplete();
            }
        } catch (RuntimeException e) {
            log.error("Delayed operation failed; completing it", e);
            forceQuietly(w);
            completed = true;
        } finally {
            // A forced operation leaves even if it threw an Error, so its deadline cannot spin.
            if (completed) finish(w);
        }
    }

    private void finish(Waiter w) {
        w.done = true;
        deadlines.remove(w);
        for (TopicPartition tp : w.partitions) {
            Set<Waiter> set = watchers.get(tp);
            if (set != null && set.remove(w)) {
                if (set.isEmpty()) watchers.remove(tp);
                watchCounts.computeIfPresent(tp, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
    }

    /** After close: parks that arrive (or were still queued) are answered at once (completing twice is harmless). */
    private void drainAfterClose() {
        Object item;
        while ((item = inbox.poll()) != null) {
            if (item instanceof Waiter w) forceQuietly(w);
        }
    }

    private static void forceQuietly(Waiter w) {
        try {
            w.operation.forceComplete();
        } catch (RuntimeException e) {
            log.error("Delayed operation failed to complete", e);
        }
    }
}
