package io.weir.controller.broker;

import io.weir.controller.ApiStatus;

/** The broker epoch to send with every later heartbeat and AlterPartition; -1 on error. */
public record BrokerRegistrationReply(ApiStatus status, long brokerEpoch) {
}
