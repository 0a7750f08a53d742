package io.weir.broker.network;

import org.apache.kafka.common.protocol.ApiKeys;

/** Sees every request and response of a listener (metrics). Called on I/O threads; must be cheap. */
public interface RequestObserver {
    RequestObserver NONE = new RequestObserver() {
    };

    /** A request frame of {@code bytes} bytes was read (before parsing). */
    default void bytesIn(int bytes) {
    }

    /** A response of {@code bytes} bytes (0 when none) for {@code api} was queued {@code nanos} after its request arrived. */
    default void completed(ApiKeys api, int bytes, long nanos) {
    }
}
