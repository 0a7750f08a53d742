package io.weir.broker.produce;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out producer ids for idempotent producers.
 *
 * <p>Interim scheme until the controller allocates blocks through {@code ProducerIdsRecord}:
 * ids are unique per node because the node id occupies the top bits
 * ({@code [0][15 bits node id][48 bits counter]}), and unique across restarts of the node
 * because the counter starts at the start time in milliseconds (2^48 ms is ~8900 years), so
 * a restarted node only repeats ids if it handed out more ids than milliseconds passed since
 * its previous start. That is an assumption, not a guarantee; controller-allocated blocks
 * remove it.
 */
public final class ProducerIdAllocator {
    private static final int NODE_BITS = 15;
    private static final int COUNTER_BITS = 48;
    private static final long COUNTER_MASK = (1L << COUNTER_BITS) - 1;

    private final long nodePrefix;
    private final AtomicLong counter;

    public ProducerIdAllocator(int nodeId, long startTimeMs) {
        if (nodeId < 0 || nodeId >= (1 << NODE_BITS)) {
            throw new IllegalArgumentException("node id must be in [0, " + (1 << NODE_BITS) + "): " + nodeId);
        }
        this.nodePrefix = (long) nodeId << COUNTER_BITS;
        this.counter = new AtomicLong(startTimeMs & COUNTER_MASK);
    }

    public long next() {
        long c = counter.getAndIncrement();
        if (c > COUNTER_MASK) throw new IllegalStateException("producer id space of this node exhausted");
        return nodePrefix | c;
    }
}
