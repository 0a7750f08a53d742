package io.weir.broker.network;

import com.sun.management.UnixOperatingSystemMXBean;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;

/**
 * The process's file descriptor budget, split three ways so that the parts never add up to more
 * than the limit ({@code ulimit -n}): partition logs (two descriptors per open Chronicle queue, up
 * to the node's open-queue bound), client connections ({@code max.connections}), and a base of
 * {@link #NODE_BASE} for everything else a node opens (the metadata quorum's files and sockets,
 * inter-broker connections, the JVM's jars). Without the split, idle client connections exhaust
 * the limit and the node fails in accept, in opening partition logs and in the metadata listener
 * ("Too many open files"). The queue bound comes first ({@code LogManager}'s, from the limit and
 * {@code vm.max_map_count}); the default reserve keeps room for it, and a {@code max.connections}
 * set higher lowers the node's queue bound instead ({@link #maxOpenQueues}; the node logs it).
 * Each Kafka listener enforces {@code max.connections} on its own, so the split holds for one
 * listener; a node with several that are all full at once can still exceed the limit.
 */
public final class FileDescriptors {
    /** Descriptors a node needs besides its client connections and its queues. */
    public static final int NODE_BASE = 1_000;
    /** Descriptors an open Chronicle queue holds (its {@code metadata.cq4t} and its roll file). */
    public static final int PER_QUEUE = 2;
    /** The fewest queues a node keeps open, whatever its connections take ({@code LogManager}'s lower bound). */
    public static final int MIN_QUEUES = 64;

    private FileDescriptors() {
    }

    /** The process's limit on open file descriptors ({@code ulimit -n}), when the platform tells. */
    public static OptionalLong limit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix && unix.getMaxFileDescriptorCount() > 0) {
            return OptionalLong.of(unix.getMaxFileDescriptorCount());
        }
        return OptionalLong.empty();
    }

    /** File descriptors open now, or -1 when the platform does not tell. */
    public static long open() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
    }

    /** The reserve for everything but client connections when up to {@code maxOpenQueues} queues are open. */
    public static int reservedFor(int maxOpenQueues) {
        return (int) Math.min(Integer.MAX_VALUE, NODE_BASE + (long) PER_QUEUE * Math.max(0, maxOpenQueues));
    }


    /**
     * The default {@code max.connections}: the limit minus {@code reserved}, but never less than
     * an eighth of the limit (a small {@code ulimit -n} still admits clients; the queues then get
     * fewer, see {@link #maxOpenQueues}); unbounded, as in Kafka, when the limit is unknown.
     */
    public static int defaultMaxConnections(int reserved) {
        OptionalLong limit = limit();
        return limit.isEmpty() ? Integer.MAX_VALUE : maxConnectionsWithin(limit.getAsLong(), reserved);
    }

    /** {@link #defaultMaxConnections} for a given limit. */
    static int maxConnectionsWithin(long limit, int reserved) {
        long max = Math.max(limit - reserved, limit / 8);
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, max));
    }

    /**
     * The node's open-queue bound: {@code storageBound} ({@code LogManager}'s, from the limits), but
     * no more than the descriptors {@code maxConnections} and {@link #NODE_BASE} leave, two per
     * queue, and at least {@link #MIN_QUEUES}. Unless that floor applies, open queues and client
     * connections together stay within the limit.
     */
    public static int maxOpenQueues(int storageBound, int maxConnections) {
        OptionalLong limit = limit();
        return limit.isEmpty() ? storageBound : maxOpenQueuesWithin(limit.getAsLong(), storageBound, maxConnections);
    }

    /** {@link #maxOpenQueues} for a given limit. */
    static int maxOpenQueuesWithin(long limit, int storageBound, int maxConnections) {
        long left = (limit - Math.max(0, maxConnections) - NODE_BASE) / PER_QUEUE;
        return (int) Math.max(Math.min(MIN_QUEUES, storageBound), Math.min(storageBound, left));
    }
}
