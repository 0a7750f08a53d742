package io.weir.storage;

import java.util.function.LongSupplier;

/**
 * Bounds the cleaner's I/O to {@code log.cleaner.io.max.bytes.per.second}, as Kafka's
 * {@code Throttler}: bytes are counted as they are read or written, and once they run ahead of the
 * rate over the current check window the caller sleeps until they do not. Time and sleeping are
 * injected, so the arithmetic is tested without waiting. Shared by the cleaner threads (synchronised,
 * as Kafka's: one thread sleeping holds the others back, which is the point).
 */
public final class Throttler {
    /** How often the rate is checked: sleeps are at most about this long. */
    static final long WINDOW_NANOS = 100_000_000L;

    /** Sleeps the calling thread. */
    @FunctionalInterface
    public interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final double bytesPerSecond;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private long windowStart;
    private long windowBytes;
    private long totalSleptNanos;

    /** @param bytesPerSecond the ceiling; infinite (or {@code Double.MAX_VALUE}) for none */
    public Throttler(double bytesPerSecond, LongSupplier nanoClock, Sleeper sleeper) {
        if (!(bytesPerSecond > 0)) {
            throw new IllegalArgumentException("log.cleaner.io.max.bytes.per.second must be positive: "
                    + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
        this.windowStart = nanoClock.getAsLong();
    }

    /** Unthrottled, for tools and tests. */
    public static Throttler unlimited() {
        return new Throttler(Double.POSITIVE_INFINITY, System::nanoTime, n -> { });
    }

    /** Counts {@code bytes} of I/O, sleeping if the rate is above the ceiling. */
    public synchronized void acquire(long bytes) throws InterruptedException {
        if (Double.isInfinite(bytesPerSecond) || bytesPerSecond >= Double.MAX_VALUE) {
            return;
        }
        windowBytes += bytes;
        long elapsed = nanoClock.getAsLong() - windowStart;
        if (elapsed < WINDOW_NANOS && windowBytes < bytesPerSecond * WINDOW_NANOS / 1e9) {
            return;
        }
        long needed = sleepNeeded(windowBytes, elapsed, bytesPerSecond);
        if (needed > 0) {
            totalSleptNanos += needed;
            sleeper.sleepNanos(needed);
        }
        windowStart = nanoClock.getAsLong();
        windowBytes = 0;
    }

    /** Total time slept, for the cleaner's log line and tests. */
    public synchronized long sleptNanos() {
        return totalSleptNanos;
    }

    /** How long to sleep so that {@code bytes} over {@code elapsedNanos} is no faster than the rate. */
    static long sleepNeeded(long bytes, long elapsedNanos, double bytesPerSecond) {
        double targetNanos = bytes / bytesPerSecond * 1e9;
        return Math.max(0, (long) targetNanos - elapsedNanos);
    }
}
