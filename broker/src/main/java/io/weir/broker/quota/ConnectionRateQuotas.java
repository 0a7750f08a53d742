package io.weir.broker.quota;

import io.weir.broker.network.ConnectionRateLimit;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.quota.ClientQuotaControlManager;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * IP entities' {@code connection_creation_rate} (KIP-612), as Kafka's {@code ConnectionQuotas}:
 * the rate set for the address, else for the default IP, bounds the connections it opens per
 * second, on every listener. Each address has its own token bucket with the client quotas' window
 * ({@code (quota.window.num - 1) × quota.window.size.seconds} of credit); a connection over it is
 * not counted and is held for the time until the address is back within its rate, at most one
 * sample ({@code quota.window.size.seconds}), then closed. Thread-safe.
 */
public final class ConnectionRateQuotas implements ConnectionRateLimit {
    private static final int SWEEP_EVERY = 1024;

    private final QuotaTable table;
    private final LongSupplier clock;
    private final QuotaWindow window;
    private final Map<InetAddress, QuotaBucket> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger connectionsSinceSweep = new AtomicInteger();

    public ConnectionRateQuotas(Supplier<MetadataImage> image, int samples, int sampleSeconds, LongSupplier clockMs) {
        this.window = new QuotaWindow(samples, sampleSeconds);
        this.table = new QuotaTable(image);
        this.clock = clockMs;
    }

    @Override
    public long throttleMs(InetAddress address) {
        Optional<Double> bound = table.ipQuota(ClientQuotaControlManager.CONNECTION_CREATION_RATE, address.getHostAddress());
        if (bound.isEmpty()) return 0;
        long now = clock.getAsLong();
        maybeSweep(now);
        QuotaBucket bucket = buckets.computeIfAbsent(address, a -> window.bucket(window.sampleMs()));
        synchronized (bucket) {
            long throttle = bucket.record(1, bound.get(), now);
            // As Kafka: a connection that is not accepted is not counted.
            if (throttle > 0) bucket.record(-1, bound.get(), now);
            return throttle;
        }
    }

    /** Drops the buckets of addresses whose credit is full again, so many addresses cannot grow the map forever. */
    private void maybeSweep(long now) {
        if (connectionsSinceSweep.incrementAndGet() % SWEEP_EVERY != 0) return;
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().idle(now);
            }
        });
    }
}
