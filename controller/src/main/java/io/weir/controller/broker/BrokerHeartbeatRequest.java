package io.weir.controller.broker;

/**
 * Kafka's BrokerHeartbeat.
 *
 * @param currentMetadataOffset the metadata offset the broker has replayed
 * @param wantFence true while the broker is not ready to serve (e.g. still starting up)
 * @param wantShutDown true when the broker is shutting down in a controlled way
 * @param logDirOffline true while the broker's data directory takes no appends (full or failed):
 *                      Kafka's {@code OfflineLogDirs} (KIP-858) for Weir's one directory per broker
 */
public record BrokerHeartbeatRequest(int brokerId, long brokerEpoch, long currentMetadataOffset,
                                     boolean wantFence, boolean wantShutDown, boolean logDirOffline) {
    /** A heartbeat from a broker whose data directory is fine. */
    public BrokerHeartbeatRequest(int brokerId, long brokerEpoch, long currentMetadataOffset, boolean wantFence,
                                  boolean wantShutDown) {
        this(brokerId, brokerEpoch, currentMetadataOffset, wantFence, wantShutDown, false);
    }
}
