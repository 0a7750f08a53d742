package io.weir.controller.broker;

/**
 * Kafka's BrokerHeartbeat.
 *
 * @param currentMetadataOffset the metadata offset the broker has replayed
 * @param wantFence true while the broker is not ready to serve (e.g. still starting up)
 * @param wantShutDown true when the broker is shutting down in a controlled way
 */
public record BrokerHeartbeatRequest(int brokerId, long brokerEpoch, long currentMetadataOffset,
                                     boolean wantFence, boolean wantShutDown) {
}
