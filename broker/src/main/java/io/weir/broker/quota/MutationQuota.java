package io.weir.broker.quota;

import java.util.function.LongSupplier;

/**
 * One CreateTopics, CreatePartitions or DeleteTopics request's account with its client's
 * {@code controller_mutation_rate} (KIP-599), as Kafka's {@code StrictControllerMutationQuota}
 * and {@code PermissiveControllerMutationQuota}: each topic's partitions are counted as they are
 * mutated. A strict quota (clients new enough to know THROTTLING_QUOTA_EXCEEDED) refuses a topic
 * while the client is in debt, and admits one that puts it in debt; a permissive one admits every
 * topic. Either way the answer carries the throttle the client earned. One request's; not
 * thread-safe.
 */
public final class MutationQuota {
    /** No quota applies: every topic is admitted, nothing is throttled. */
    public static final MutationQuota UNBOUNDED = new MutationQuota(null, 0, false, () -> 0);

    private final QuotaBucket bucket;
    private final double bound;
    private final boolean strict;
    private final LongSupplier clock;
    private long throttleMs;
    private long throttledAtMs;

    MutationQuota(QuotaBucket bucket, double bound, boolean strict, LongSupplier clockMs) {
        this.bucket = bucket;
        this.bound = bound;
        this.strict = strict;
        this.clock = clockMs;
    }

    /**
     * Counts one topic's {@code partitions}; false when a strict quota refuses the topic (answer it
     * THROTTLING_QUOTA_EXCEEDED), in which case nothing is counted.
     */
    public boolean tryRecord(int partitions) {
        if (bucket == null || partitions <= 0) return true;
        long now = clock.getAsLong();
        synchronized (bucket) {
            if (strict) {
                long debt = bucket.debtMs(bound, now);
                if (debt > 0) {
                    throttled(debt, now);
                    return false;
                }
                bucket.record(partitions, bound, now);
                return true;
            }
            long earned = bucket.record(partitions, bound, now);
            if (earned > 0) throttled(earned, now);
            return true;
        }
    }

    /** The throttle for the answer: the last one earned, less the time since (the request may have waited). */
    public int throttleTimeMs() {
        if (throttleMs == 0) return 0;
        long left = throttleMs - (clock.getAsLong() - throttledAtMs);
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, left));
    }

    private void throttled(long ms, long now) {
        throttleMs = ms;
        throttledAtMs = now;
    }
}
