package io.weir.broker.network;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which half-received requests to drop when the memory pool stays full. Kafka's pool only stops
 * reading then, which lets connections that announce large requests and stall hold the whole
 * pool while every other client waits; Weir instead closes the connections whose partial request
 * began longest ago, until the pool would be back at its low-water mark. A request that arrives
 * at the speed of a healthy network completes long before it is a candidate. Pure: no sockets,
 * no clocks.
 */
final class Shedding {
    private Shedding() {
    }

    /** A connection holding {@code bytes} of a request whose first byte arrived at {@code startNanos}. */
    record Partial<T>(T connection, long startNanos, long bytes) {
    }

    /**
     * @param used bytes the pool holds now
     * @param target where the pool should get back to
     * @return the connections to close, oldest partial request first; none when {@code used <= target}
     */
    static <T> List<T> choose(List<Partial<T>> partials, long used, long target) {
        List<Partial<T>> oldestFirst = new ArrayList<>(partials);
        oldestFirst.sort(Comparator.comparingLong(p -> p.startNanos));
        List<T> close = new ArrayList<>();
        long remaining = used;
        for (Partial<T> p : oldestFirst) {
            if (remaining <= target) break;
            close.add(p.connection);
            remaining -= p.bytes;
        }
        return close;
    }
}
