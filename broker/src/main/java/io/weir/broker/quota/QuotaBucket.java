package io.weir.broker.quota;

/**
 * One client's usage against a byte-rate quota, as a token bucket (the measure Kafka uses for
 * controller mutation quotas, KIP-599): credit accrues at the bound, up to one window's worth
 * ({@code quota.window.num - 1} samples of {@code quota.window.size.seconds}, what Kafka's
 * sampled rate lets a new client send at once); each request spends its bytes, and a client in
 * debt is throttled until the debt is paid off. Unlike Kafka's sampled rate for client quotas,
 * whose bursts and lulls follow samples expiring, a client that waits out its throttles is held
 * to the bound over any span: at most the bound times the span plus one window's credit and one
 * request. Not thread-safe; {@link ClientQuotas} locks it.
 */
final class QuotaBucket {
    private final double windowSeconds;
    private final long maxThrottleMs;
    private double credit;
    private double lastBound;
    private long lastMs;
    private boolean started;

    /**
     * @param windowSeconds the seconds of credit a client may hold (its burst)
     * @param maxThrottleMs the longest single throttle (Kafka: the whole quota window); a
     *     larger debt is throttled again on the client's next request
     */
    QuotaBucket(double windowSeconds, long maxThrottleMs) {
        if (!(windowSeconds > 0)) throw new IllegalArgumentException("the quota window must be positive");
        this.windowSeconds = windowSeconds;
        this.maxThrottleMs = maxThrottleMs;
    }

    /**
     * Spends {@code bytes} (a negative value gives them back) at {@code nowMs} against
     * {@code bound} bytes per second; returns how long the client must now wait, 0 if not at all.
     */
    long record(double bytes, double bound, long nowMs) {
        refill(bound, nowMs);
        credit = Math.min(bound * windowSeconds, credit - bytes);
        if (credit >= 0 || bytes <= 0) return 0;
        return throttleMs(bound);
    }

    /**
     * How long the client must still wait at {@code nowMs} to be out of debt, spending nothing:
     * Kafka's check before a strict controller mutation quota admits a request (KIP-599).
     */
    long debtMs(double bound, long nowMs) {
        refill(bound, nowMs);
        return credit >= 0 ? 0 : throttleMs(bound);
    }

    private void refill(double bound, long nowMs) {
        double capacity = bound * windowSeconds;
        if (!started) {
            credit = capacity;
            started = true;
        } else if (nowMs > lastMs) {
            credit = Math.min(capacity, credit + bound * (nowMs - lastMs) / 1000.0);
        }
        lastMs = Math.max(lastMs, nowMs);
        lastBound = bound;
    }

    private long throttleMs(double bound) {
        return Math.min(maxThrottleMs, (long) Math.ceil(-credit / bound * 1000.0));
    }

    /** Whether the credit is full again by {@code nowMs}: the bucket can be dropped, a new one starts full. */
    boolean idle(long nowMs) {
        return credit + lastBound * (nowMs - lastMs) / 1000.0 >= lastBound * windowSeconds;
    }
}
