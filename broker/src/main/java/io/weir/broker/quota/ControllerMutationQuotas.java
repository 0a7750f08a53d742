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
 * Clients' {@code controller_mutation_rate} quotas (KIP-599): partitions created or deleted per
 * second by CreateTopics, CreatePartitions and DeleteTopics, counted where those requests are
 * decided (the active controller's node), as Kafka's {@code ControllerMutationQuotaManager}.
 * Each client's usage is a token bucket that starts full and holds Kafka's default
 * {@code controller.quota.window.num} × {@code controller.quota.window.size.seconds} (11 × 1 s)
 * of its rate; a throttle is not capped. Entities and precedence are those of the byte-rate
 * quotas ({@link QuotaResolver}). Thread-safe.
 */
public final class ControllerMutationQuotas {
    /** Kafka's {@code controller.quota.window.num} × {@code controller.quota.window.size.seconds} defaults. */
    public static final double BURST_SECONDS = 11.0;
    private static final int SWEEP_EVERY = 1024;

    private record Usage(String user, String clientId) {
    }

    private final QuotaTable table;
    private final LongSupplier clock;
    private final Map<Usage, QuotaBucket> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger requestsSinceSweep = new AtomicInteger();

    public ControllerMutationQuotas(Supplier<MetadataImage> image, LongSupplier clockMs) {
        this.table = new QuotaTable(image);
        this.clock = clockMs;
    }

    /** No client has a mutation quota. */
    public static ControllerMutationQuotas unbounded() {
        return new ControllerMutationQuotas(() -> MetadataImage.EMPTY, System::currentTimeMillis);
    }

    /**
     * The account of one request from {@code user}/{@code clientId}; {@code strict} when the
     * request's version is at least the one since which clients handle THROTTLING_QUOTA_EXCEEDED
     * (CreateTopics 6, CreatePartitions 3, DeleteTopics 5, Kafka's {@code newQuotaFor}).
     */
    public MutationQuota forRequest(String user, String clientId, boolean strict) {
        Optional<QuotaResolver.Applied> applied =
                table.resolve(ClientQuotaControlManager.CONTROLLER_MUTATION_RATE, user, clientId);
        if (applied.isEmpty()) return MutationQuota.UNBOUNDED;
        maybeSweep();
        QuotaBucket bucket = buckets.computeIfAbsent(new Usage(applied.get().user(), applied.get().clientId()),
                u -> new QuotaBucket(BURST_SECONDS, Long.MAX_VALUE));
        return new MutationQuota(bucket, applied.get().bound(), strict, clock);
    }

    /** Drops the buckets that are full again, so many client ids cannot grow the map forever. */
    private void maybeSweep() {
        if (requestsSinceSweep.incrementAndGet() % SWEEP_EVERY != 0) return;
        long now = clock.getAsLong();
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().idle(now);
            }
        });
    }
}
