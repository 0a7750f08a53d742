package io.weir.controller.coordination;

/**
 * The active controller: its node id, the epoch it leads, and the endpoint of its controller
 * listener (where brokers send BrokerRegistration, BrokerHeartbeat, AlterPartition).
 */
public record ControllerLocation(int nodeId, long controllerEpoch, String host, int port) {
}
