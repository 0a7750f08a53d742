package io.weir.broker.network;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kafka's {@code queued.max.request.bytes}: a node-wide count of bytes of requests read from
 * sockets but not yet answered, and the decision to stop reading. The network layer reserves
 * bytes only once they have arrived (never a frame's announced size) and releases them when the
 * request's response is written or its connection closes.
 *
 * <p>Like Kafka's {@code Selector}, which mutes every channel while its memory pool is out of
 * memory, ordinary connections stop reading once {@link #capacity()} bytes are held. Inter-broker
 * connections (follower fetches, the controller channel) keep reading up to
 * {@code capacity + interBrokerHeadroom}, so a node whose clients exhaust the pool still serves
 * its followers and the controller.
 *
 * <p>Reads already under way when the pool fills complete, so the count can pass its bound by at
 * most one socket read per I/O thread. Thread-safe; holds no locks.
 */
final class RequestMemoryPool {
    private final long capacity;
    private final long interBrokerHeadroom;
    private final AtomicLong used = new AtomicLong();
    /** Set when used reaches capacity, cleared when it falls to the low-water mark. */
    private final AtomicBoolean full = new AtomicBoolean();

    RequestMemoryPool(long capacity, long interBrokerHeadroom) {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be positive");
        if (interBrokerHeadroom < 0) throw new IllegalArgumentException("interBrokerHeadroom must not be negative");
        this.capacity = capacity;
        this.interBrokerHeadroom = interBrokerHeadroom;
    }

    /**
     * Counts {@code bytes} that have been read (or a buffer that has grown to hold them).
     *
     * @return true when this reservation made the pool full: ordinary connections must pause
     */
    boolean reserve(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative reservation " + bytes);
        return used.addAndGet(bytes) >= capacity && full.compareAndSet(false, true);
    }

    /**
     * Gives back {@code bytes} reserved earlier.
     *
     * @return true when this release brought a full pool down to its low-water mark: paused
     *         connections may read again
     */
    boolean release(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative release " + bytes);
        long after = used.addAndGet(-bytes);
        assert after >= 0 : "released more than reserved: " + after;
        return after <= lowWaterMark() && full.compareAndSet(true, false);
    }

    /** Whether a connection of this kind must stop reading now. */
    boolean exhausted(boolean interBroker) {
        return interBroker ? used.get() >= capacity + interBrokerHeadroom : full.get();
    }

    boolean full() {
        return full.get();
    }

    /**
     * Where paused connections resume: below the bound by a margin, so that a pool at its limit
     * does not pause and resume every connection on each request.
     */
    long lowWaterMark() {
        return capacity - capacity / 8;
    }

    long used() {
        return used.get();
    }

    long capacity() {
        return capacity;
    }
}
