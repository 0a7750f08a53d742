package io.weir.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Decides which open Chronicle queues a {@link LogManager} closes when more are open than it
 * allows, from plain numbers: no files, no clock, no locks.
 *
 * <p>Closing a queue that is about to be used again costs a close now and an open later, both
 * milliseconds of CPU, so the policy keeps the queues in use and closes the others:
 * queues idle for at least {@code idleMs} go first, then the others, each group in a random order
 * (seeded, so a decision can be replayed), never in the order of last use or of opening.
 *
 * <p>Why not least recently used: when more partitions are in use than queues may be open (a
 * producer writing round robin to every partition, followers fetching them in turn), the least
 * recently used queue is the one whose turn comes next, so every use would close a queue needed
 * soon and reopen another: a miss on every use. A random choice keeps most of them open (about
 * three uses in four hit with 10 % more partitions in use than queues allowed, none with least
 * recently used; {@code OpenQueuePolicyPropertyTest}).
 *
 * <p>Closing in batches: the manager starts closing above {@link #closeAbove} and closes down to
 * {@link #closeDownTo} (2 % of the bound a pass), so one pass over the open queues serves many
 * opens; smaller passes would keep a few more queues in use open, at a pass per few opens.
 */
final class OpenQueuePolicy {
    private OpenQueuePolicy() {
    }

    /**
     * What the policy knows of one open queue.
     *
     * @param lastUsedMs when the queue was last used (read, written or opened)
     */
    record OpenQueue<T>(T log, long lastUsedMs) {
    }

    /** Above this many open queues the manager closes some (in the background). */
    static int closeAbove(int maxOpenQueues) {
        return Math.max(1, maxOpenQueues - maxOpenQueues / 50);
    }

    /** The number of open queues a closing pass leaves. */
    static int closeDownTo(int maxOpenQueues) {
        return Math.max(1, maxOpenQueues - maxOpenQueues / 25);
    }

    /**
     * The queues to close so that {@code keep} stay open; none if no more than {@code keep} are.
     *
     * @param open   every open queue, in any order
     * @param idleMs a queue not used for this long counts as idle
     * @param seed   orders ties; the same inputs and seed give the same answer
     */
    static <T> List<T> victims(List<OpenQueue<T>> open, int keep, long nowMs, long idleMs, long seed) {
        int excess = open.size() - Math.max(0, keep);
        if (excess <= 0) {
            return List.of();
        }
        List<T> idle = new ArrayList<>();
        List<T> inUse = new ArrayList<>();
        for (OpenQueue<T> q : open) {
            (nowMs - q.lastUsedMs() >= idleMs ? idle : inUse).add(q.log());
        }
        Random random = new Random(seed);
        Collections.shuffle(idle, random);
        List<T> victims = new ArrayList<>(excess);
        victims.addAll(idle.subList(0, Math.min(excess, idle.size())));
        if (victims.size() < excess) {
            Collections.shuffle(inUse, random);
            victims.addAll(inUse.subList(0, excess - victims.size()));
        }
        return victims;
    }
}
