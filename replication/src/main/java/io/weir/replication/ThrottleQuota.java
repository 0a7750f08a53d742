package io.weir.replication;

/**
 * A byte rate over a sliding window of whole-second samples, as Kafka's replication quota
 * measures it ({@code replication.quota.window.num} samples of
 * {@code replication.quota.window.size.seconds}): the bytes recorded in the last
 * {@code windows} seconds divided by the time they span is compared with the bound. Pure: the
 * caller passes the time. Thread-safe (fetchers from several leaders share one quota).
 *
 * <p>A quota without a bound still measures its rate (the bytes/s a reassignment copies is a
 * metric), except the shared {@link #UNLIMITED} instance, which records nothing.
 */
public final class ThrottleQuota {
    /** No bound: Kafka's default for {@code follower.replication.throttled.rate}. */
    public static final ThrottleQuota UNLIMITED = new ThrottleQuota(Long.MAX_VALUE, 11);
    private static final long SAMPLE_MS = 1000;

    private final long bytesPerSecond;
    private final long[] bytes;
    private final long[] sampleStart;
    private long firstRecordMs = -1;

    /**
     * @param bytesPerSecond the bound; {@code Long.MAX_VALUE} for none
     * @param windows how many one-second samples the rate spans (Kafka: 11)
     */
    public ThrottleQuota(long bytesPerSecond, int windows) {
        if (bytesPerSecond <= 0 || windows < 1) {
            throw new IllegalArgumentException("rate and windows must be positive: " + bytesPerSecond + ", " + windows);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.bytes = new long[windows];
        this.sampleStart = new long[windows];
        java.util.Arrays.fill(sampleStart, Long.MIN_VALUE);
    }

    public boolean unlimited() {
        return bytesPerSecond == Long.MAX_VALUE;
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** Counts {@code n} bytes copied at {@code nowMs}. */
    public synchronized void record(long n, long nowMs) {
        if (this == UNLIMITED || n <= 0) {
            return;
        }
        if (firstRecordMs < 0) {
            firstRecordMs = nowMs;
        }
        int i = slot(nowMs);
        long start = nowMs - Math.floorMod(nowMs, SAMPLE_MS);
        if (sampleStart[i] != start) {
            sampleStart[i] = start;
            bytes[i] = 0;
        }
        bytes[i] += n;
    }

    /** True while the rate over the window is above the bound: throttled traffic waits. */
    public synchronized boolean exceeded(long nowMs) {
        return !unlimited() && rate(nowMs) > bytesPerSecond;
    }

    /** Bytes per second over the window ending at {@code nowMs}. */
    public synchronized double rate(long nowMs) {
        long windowStart = nowMs - Math.floorMod(nowMs, SAMPLE_MS) - (bytes.length - 1) * SAMPLE_MS;
        long total = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (sampleStart[i] >= windowStart && sampleStart[i] <= nowMs) {
                total += bytes[i];
            }
        }
        if (total == 0) {
            return 0;
        }
        // Like Kafka: the elapsed time counts at least (windows - 1) whole samples, so a burst
        // right after the first record does not read as an enormous rate.
        long since = Math.max(windowStart, firstRecordMs);
        long elapsedMs = Math.max(nowMs - since, (bytes.length - 1) * SAMPLE_MS);
        return total * 1000.0 / Math.max(1, elapsedMs);
    }

    private int slot(long nowMs) {
        return (int) Math.floorMod(Math.floorDiv(nowMs, SAMPLE_MS), (long) bytes.length);
    }
}
