package io.weir.broker.network;

import com.sun.management.UnixOperatingSystemMXBean;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;

/**
 * The process's file descriptor budget. Client connections may use what the limit leaves after
 * a reserve for everything else a node opens: partition logs (two descriptors per open Chronicle
 * queue, up to {@code LogManager}'s 1,000 open queues by default), the metadata quorum's files
 * and sockets, inter-broker connections and the JVM's own jars. Without the reserve, idle client
 * connections exhaust the limit and the node fails in accept, in opening partition logs and in
 * the metadata listener ("Too many open files").
 */
public final class FileDescriptors {
    /** Two per open queue for 1,000 open queues, plus 1,000 for the rest of the node. */
    public static final int DEFAULT_RESERVED = 3_000;

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

    /**
     * The default {@code max.connections}: the limit minus {@code reserved}, but never less than
     * half the limit (a small {@code ulimit -n} still admits clients; the node then logs that its
     * reserve is short); unbounded, as in Kafka, when the limit is unknown.
     */
    public static int defaultMaxConnections(int reserved) {
        OptionalLong limit = limit();
        if (limit.isEmpty()) return Integer.MAX_VALUE;
        long max = Math.max(limit.getAsLong() - reserved, limit.getAsLong() / 2);
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, max));
    }
}
