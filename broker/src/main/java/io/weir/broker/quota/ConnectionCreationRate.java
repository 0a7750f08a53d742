package io.weir.broker.quota;

import io.weir.broker.network.ConnectionRateLimit;

import java.net.InetAddress;
import java.util.function.LongSupplier;

/**
 * Kafka's broker-wide {@code max.connection.creation.rate} (KIP-612): new connections per second
 * over every address, counted on one token bucket with the client quotas' window. Unlike an IP
 * quota, the connection that goes over is served; the answer is how long the listeners should
 * stop accepting (at most one sample), as Kafka's acceptor waits for a connection slot.
 * Thread-safe.
 */
public final class ConnectionCreationRate implements ConnectionRateLimit {
    private final double rate;
    private final LongSupplier clock;
    private final QuotaBucket bucket;

    private ConnectionCreationRate(int rate, int samples, int sampleSeconds, LongSupplier clockMs) {
        QuotaWindow window = new QuotaWindow(samples, sampleSeconds);
        this.rate = rate;
        this.clock = clockMs;
        this.bucket = window.bucket(window.sampleMs());
    }

    /** The limit for {@code rate} connections a second; none for Kafka's default, {@link Integer#MAX_VALUE}. */
    public static ConnectionRateLimit of(int rate, int samples, int sampleSeconds, LongSupplier clockMs) {
        if (rate <= 0) throw new IllegalArgumentException("max.connection.creation.rate must be positive");
        if (rate == Integer.MAX_VALUE) return ConnectionRateLimit.NONE;
        return new ConnectionCreationRate(rate, samples, sampleSeconds, clockMs);
    }

    @Override
    public synchronized long throttleMs(InetAddress address) {
        return bucket.record(1, rate, clock.getAsLong());
    }
}
