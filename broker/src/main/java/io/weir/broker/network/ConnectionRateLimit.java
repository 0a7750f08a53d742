package io.weir.broker.network;

import java.net.InetAddress;

/**
 * Connection creation rate quotas (KIP-612), asked as each connection is accepted. A connection
 * over its address's rate is not served: it is held unread for the throttle time and then closed,
 * as Kafka delays closing a throttled socket so that the client does not reconnect at once.
 */
public interface ConnectionRateLimit {
    /** No limit. */
    ConnectionRateLimit NONE = address -> 0;

    /** Counts a new connection from {@code address}: 0 to serve it, else how long to hold it before closing it. */
    long throttleMs(InetAddress address);
}
