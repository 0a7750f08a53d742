package io.weir.broker.network;

import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Warnings and errors that an attacker, a broken client or a failing disk can trigger thousands
 * of times a second (refused connections, oversized frames, a read that fails at one offset for
 * every retry): each kind is logged at most once per interval, with the count of the ones
 * suppressed since, so an operator sees that it happens without the log drowning.
 */
public final class RateLimitedLog {
    /** How often one kind of warning may appear. */
    static final long DEFAULT_INTERVAL_MS = 10_000;

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, long[]> lastAndSuppressed = new ConcurrentHashMap<>();

    public RateLimitedLog(Logger log) {
        this(log, DEFAULT_INTERVAL_MS, System::nanoTime);
    }

    RateLimitedLog(Logger log, long intervalMs, LongSupplier nanoClock) {
        this.log = log;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.nanoClock = nanoClock;
    }

    /**
     * Logs {@code message} (an SLF4J pattern) at WARN unless a warning of the same {@code kind}
     * was logged less than the interval ago; then only counts it.
     *
     * @return whether it was logged
     */
    boolean warn(String kind, String message, Object... args) {
        return log(Level.WARN, kind, message, args);
    }

    /** As {@link #warn}, at {@code level}; a trailing Throwable argument is logged with its stack trace. */
    public boolean log(Level level, String kind, String message, Object... args) {
        long now = nanoClock.getAsLong();
        long[] state = lastAndSuppressed.computeIfAbsent(kind, k -> new long[] {now - intervalNanos, 0});
        long suppressed;
        synchronized (state) {
            if (now - state[0] < intervalNanos) {
                state[1]++;
                return false;
            }
            state[0] = now;
            suppressed = state[1];
            state[1] = 0;
        }
        if (suppressed == 0) {
            log.atLevel(level).log(message, args);
        } else if (log.isEnabledForLevel(level)) {
            boolean throwable = args.length > 0 && args[args.length - 1] instanceof Throwable;
            Object[] withCount = java.util.Arrays.copyOf(args, args.length + 1);
            if (throwable) {
                withCount[args.length] = args[args.length - 1];
                withCount[args.length - 1] = suppressed;
            } else {
                withCount[args.length] = suppressed;
            }
            log.atLevel(level).log(message + " ({} more like this suppressed)", withCount);
        }
        return true;
    }
}
