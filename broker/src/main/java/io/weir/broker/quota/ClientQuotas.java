package io.weir.broker.quota;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.quota.ClientQuotaControlManager;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * This node's client quotas ({@code producer_byte_rate}, {@code consumer_byte_rate},
 * {@code request_percentage}) as set with AlterClientQuotas: it counts each client's produced and
 * fetched bytes and the time its requests take (KIP-124), per Kafka's
 * precedence of quota entities ({@link QuotaResolver}), and says how long to throttle a client
 * that is over its bound. As in Kafka, quotas are per node: a client writing to three leaders
 * gets the bound on each. Thread-safe.
 */
public final class ClientQuotas {
    /** Kafka's defaults: 11 samples of 1 s. */
    public static final int DEFAULT_SAMPLES = 11;
    public static final int DEFAULT_SAMPLE_SECONDS = 1;
    private static final int SWEEP_EVERY = 4096;
    /** A nanosecond of one thread's time in {@code request_percentage} units: percent of a thread for a second. */
    private static final double NANOS_TO_PERCENT = 100.0 / 1_000_000_000L;

    private record Usage(String key, String user, String clientId) {
    }

    private final QuotaTable table;
    private final QuotaWindow window;
    private final LongSupplier clock;
    private final Map<Usage, QuotaBucket> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger recordsSinceSweep = new AtomicInteger();

    public ClientQuotas(Supplier<MetadataImage> image, int samples, int sampleSeconds, LongSupplier clockMs) {
        this.table = new QuotaTable(image);
        this.window = new QuotaWindow(samples, sampleSeconds);
        this.clock = clockMs;
    }

    public ClientQuotas(Supplier<MetadataImage> image) {
        this(image, DEFAULT_SAMPLES, DEFAULT_SAMPLE_SECONDS, System::currentTimeMillis);
    }

    /** Counts {@code bytes} produced by the client; the throttle time it has earned, 0 if none. */
    public long recordProduce(String user, String clientId, long bytes) {
        return record(ClientQuotaControlManager.PRODUCER_BYTE_RATE, user, clientId, bytes, window.wholeWindowMs());
    }

    /** Counts {@code bytes} fetched by the client; the throttle time it has earned, 0 if none. */
    public long recordFetch(String user, String clientId, long bytes) {
        return record(ClientQuotaControlManager.CONSUMER_BYTE_RATE, user, clientId, bytes, window.wholeWindowMs());
    }

    /**
     * The most a client's fetch may return at once: what its consumer quota allows over the
     * window's minimum span (Kafka's {@code getMaxValueInQuotaWindow}), so one answer never
     * exceeds what the quota could ever let through; unlimited when no quota applies.
     */
    public long maxFetchBytes(String user, String clientId) {
        return table.resolve(ClientQuotaControlManager.CONSUMER_BYTE_RATE, user, clientId)
                .map(a -> (long) Math.min(Long.MAX_VALUE, a.bound() * window.burstSeconds()))
                .orElse(Long.MAX_VALUE);
    }

    /**
     * Counts {@code nanos} of request-handling time used by the client against its
     * {@code request_percentage} (percent of one thread per second, Kafka's unit); the throttle it
     * has earned, 0 if none, at most one sample ({@code quota.window.size.seconds}) as Kafka's
     * {@code ClientRequestQuotaManager}.
     */
    public long recordRequestTime(String user, String clientId, long nanos) {
        return record(ClientQuotaControlManager.REQUEST_PERCENTAGE, user, clientId, nanos * NANOS_TO_PERCENT, window.sampleMs());
    }

    /** Takes back a fetch that was not sent after all (a throttled client gets an empty answer). */
    public void unrecordFetch(String user, String clientId, long bytes) {
        record(ClientQuotaControlManager.CONSUMER_BYTE_RATE, user, clientId, -bytes, window.wholeWindowMs());
    }

    private long record(String key, String user, String clientId, double amount, long maxThrottleMs) {
        Optional<QuotaResolver.Applied> applied = table.resolve(key, user, clientId);
        if (applied.isEmpty()) return 0;
        long now = clock.getAsLong();
        QuotaBucket bucket = buckets.computeIfAbsent(new Usage(key, applied.get().user(), applied.get().clientId()),
                u -> window.bucket(maxThrottleMs));
        long throttle;
        synchronized (bucket) {
            throttle = bucket.record(amount, applied.get().bound(), now);
        }
        maybeSweep(now);
        return throttle;
    }

    /** Drops the buckets of clients whose credit is full again, so many client ids cannot grow the map forever. */
    private void maybeSweep(long now) {
        if (recordsSinceSweep.incrementAndGet() % SWEEP_EVERY != 0) return;
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().idle(now);
            }
        });
    }
}
