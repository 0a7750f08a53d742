package io.weir.metadata.quorum;

import java.util.Objects;

/**
 * A member of the metadata quorum.
 *
 * @param nodeId the Weir node id (also the Ratis peer id, as a decimal string)
 * @param host the address the Ratis server binds and is reached at
 * @param quorumPort the Ratis (Netty) port
 * @param controllerPort the node's Kafka controller listener port (where brokers send
 *     BrokerRegistration, BrokerHeartbeat, AlterPartition); published as the active
 *     controller's endpoint when this node leads; 0 when unknown
 */
public record QuorumPeer(int nodeId, String host, int quorumPort, int controllerPort) {
    public QuorumPeer {
        Objects.requireNonNull(host, "host");
        if (nodeId < 0) {
            throw new IllegalArgumentException("node id must not be negative: " + nodeId);
        }
        if (quorumPort <= 0 || quorumPort > 65535) {
            throw new IllegalArgumentException("quorum port out of range: " + quorumPort);
        }
    }

    String address() {
        return host + ":" + quorumPort;
    }
}
