package io.weir.broker.fetch;

/**
 * How long one pass of a Fetch may spend reading stored bytes. Reading a partition whose
 * Chronicle queue was closed while idle costs an open (milliseconds, tens under load); a
 * follower fetching thousands of such partitions from one leader would wait minutes for the
 * answer, outlast its request timeout and start over, for ever. Once the budget is spent the
 * remaining partitions are answered without records (offsets and high watermark only); they
 * stay ahead of the partitions that returned records in the fetcher's order (the session's
 * order on the leader, {@code FetchOrder} on a sessionless follower), so they are read first
 * next time. The first partition is always read, so every pass makes progress. Pure: the
 * caller passes the time.
 */
final class ReadBudget {
    /** The budget of a fetch that does not wait ({@code max.wait.ms} 0, or short). */
    static final long MIN_MS = 200;
    /** Never more than this, whatever a consumer's {@code fetch.max.wait.ms}. */
    static final long MAX_MS = 2_000;

    private final long deadlineMs;
    private boolean anyRead;
    private boolean skipped;

    private ReadBudget(long deadlineMs) {
        this.deadlineMs = deadlineMs;
    }

    /**
     * Half the request's {@code max.wait.ms}, within [{@link #MIN_MS}, {@link #MAX_MS}]: a
     * fetcher waits at least max.wait.ms plus its request timeout, so the answer arrives well
     * inside it, and a long poll keeps the other half for waiting.
     */
    static long budgetMs(int maxWaitMs) {
        return Math.max(MIN_MS, Math.min(MAX_MS, Math.max(0, maxWaitMs) / 2));
    }

    static ReadBudget start(int maxWaitMs, long nowMs) {
        return new ReadBudget(nowMs + budgetMs(maxWaitMs));
    }

    /** Whether the next partition may read stored bytes at {@code nowMs}; false ones count as skipped. */
    boolean mayRead(long nowMs) {
        if (anyRead && nowMs >= deadlineMs) {
            skipped = true;
            return false;
        }
        anyRead = true;
        return true;
    }

    /** Some partition was answered without reading: the answer should go now, not wait for more data. */
    boolean skippedAny() {
        return skipped;
    }
}
