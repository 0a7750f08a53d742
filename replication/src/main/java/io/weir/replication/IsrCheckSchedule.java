package io.weir.replication;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * When each led partition's ISR must be looked at next, so that the ISR check does work in
 * proportion to what changes instead of walking every partition four times a second (10-20 % of
 * a loaded node's CPU at 10,000 partitions). A partition is due at the earliest of its deadline
 * (the moment an in-sync follower that stops fetching would exceed {@code replica.lag.time.max.ms},
 * {@link LeaderState#nextIsrCheckMs}) and the next check after an event that may change its
 * answer (a new leadership or ISR, a proposal's reply, a fetch by a follower outside the ISR).
 * Pure bookkeeping: the caller passes the time. Thread-safe (events come from request and
 * fetcher threads, checks from the ISR-check thread); never calls out while holding its lock.
 *
 * @param <K> what is scheduled (a partition)
 */
final class IsrCheckSchedule<K> {
    private record Entry<K>(long dueMs, long seq, K key) {
    }

    /** Earliest due time first; stale entries (a key since rescheduled earlier or taken) are skipped. */
    private final PriorityQueue<Entry<K>> queue = new PriorityQueue<>((a, b) -> a.dueMs != b.dueMs
            ? Long.compare(a.dueMs, b.dueMs) : Long.compare(a.seq, b.seq));
    /** Each scheduled key's current due time. */
    private final Map<K, Long> due = new HashMap<>();
    private long seq;

    /** {@code key} is due at {@code dueMs} at the latest (an earlier due time it has stays). */
    synchronized void checkAt(K key, long dueMs) {
        Long current = due.get(key);
        if (current != null && current <= dueMs) return;
        due.put(key, dueMs);
        queue.add(new Entry<>(dueMs, seq++, key));
    }

    /** Takes every key due at {@code nowMs}, earliest first; each is no longer scheduled. */
    synchronized List<K> takeDue(long nowMs) {
        List<K> out = new ArrayList<>();
        while (!queue.isEmpty() && queue.peek().dueMs <= nowMs) {
            Entry<K> e = queue.poll();
            Long current = due.get(e.key);
            if (current != null && current == e.dueMs) {
                due.remove(e.key);
                out.add(e.key);
            }
        }
        return out;
    }

    /** Keys scheduled now. */
    synchronized int size() {
        return due.size();
    }
}
