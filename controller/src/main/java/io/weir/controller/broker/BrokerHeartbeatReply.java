package io.weir.controller.broker;

import io.weir.controller.ApiStatus;

/** Kafka's BrokerHeartbeatResponse fields. */
public record BrokerHeartbeatReply(ApiStatus status, boolean isCaughtUp, boolean isFenced,
                                   boolean shouldShutDown) {
}
