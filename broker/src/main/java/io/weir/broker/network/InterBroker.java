package io.weir.broker.network;

import java.util.List;

/**
 * How the listener tells a broker's own connections (follower fetchers, the controller channel)
 * from clients': by the client id of their requests. Weir serves both on one listener, without
 * authentication, so this is a priority hint and not a security boundary: a client that claims a
 * broker's id gains only the bounded head-room kept for brokers
 * ({@link ConnectionQuotas#INTER_BROKER_HEADROOM}, the memory pool's inter-broker share).
 */
final class InterBroker {
    /**
     * Client ids of {@code io.weir.replication.ReplicaFetcher} ("weir-replica-fetcher-" + node id)
     * and {@code io.weir.broker.lifecycle.RoutingControllerChannel}.
     */
    static final List<String> CLIENT_ID_PREFIXES = List.of("weir-replica-fetcher-", "weir-broker-lifecycle");

    private InterBroker() {
    }

    static boolean isInterBroker(String clientId) {
        if (clientId == null) return false;
        for (String prefix : CLIENT_ID_PREFIXES) {
            if (clientId.startsWith(prefix)) return true;
        }
        return false;
    }
}
