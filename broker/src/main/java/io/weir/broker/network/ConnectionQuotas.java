package io.weir.broker.network;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Kafka's {@code max.connections} and {@code max.connections.per.ip}: counts open connections, in
 * total and per client address, and decides whether a new one may stay.
 *
 * <p>Weir serves brokers and clients on one listener, and a connection says it is a broker only
 * in its first request (its client id). So past either limit a few connections are admitted on
 * {@link Admission#PROBATION}: they stay only if their first request comes from a broker. That
 * keeps follower fetchers and the controller channel able to connect to a node whose clients
 * have used every slot. Pure bookkeeping: no sockets, no clocks.
 */
final class ConnectionQuotas {
    /** Connections past the limits that may still prove to be inter-broker ones. */
    static final int INTER_BROKER_HEADROOM = 64;

    /** What becomes of a newly accepted connection. */
    enum Admission {
        ACCEPTED,
        /** Over a limit: kept only if its first request comes from a broker. */
        PROBATION,
        REFUSED_TOTAL,
        REFUSED_PER_IP;

        boolean admitted() {
            return this == ACCEPTED || this == PROBATION;
        }
    }

    private final int maxConnections;
    private final int maxConnectionsPerIp;
    private final Map<InetAddress, Integer> perIp = new HashMap<>();
    private int total;

    ConnectionQuotas(int maxConnections, int maxConnectionsPerIp) {
        this.maxConnections = maxConnections;
        this.maxConnectionsPerIp = maxConnectionsPerIp;
    }

    /** Decides on a connection from {@code address}; an admitted one must be {@link #release released}. */
    synchronized Admission admit(InetAddress address) {
        int fromIp = perIp.getOrDefault(address, 0);
        Admission admission;
        if (total >= (long) maxConnections + INTER_BROKER_HEADROOM) {
            admission = Admission.REFUSED_TOTAL;
        } else if (fromIp >= (long) maxConnectionsPerIp + INTER_BROKER_HEADROOM) {
            admission = Admission.REFUSED_PER_IP;
        } else if (total >= maxConnections || fromIp >= maxConnectionsPerIp) {
            admission = Admission.PROBATION;
        } else {
            admission = Admission.ACCEPTED;
        }
        if (admission.admitted()) {
            total++;
            perIp.put(address, fromIp + 1);
        }
        return admission;
    }

    synchronized void release(InetAddress address) {
        Integer fromIp = perIp.get(address);
        if (fromIp == null) throw new IllegalStateException("no connection from " + address + " to release");
        if (fromIp == 1) {
            perIp.remove(address);
        } else {
            perIp.put(address, fromIp - 1);
        }
        total--;
    }

    synchronized int total() {
        return total;
    }

    synchronized int from(InetAddress address) {
        return perIp.getOrDefault(address, 0);
    }
}
