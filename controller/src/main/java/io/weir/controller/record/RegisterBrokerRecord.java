package io.weir.controller.record;

import java.util.List;
import java.util.UUID;

/**
 * A broker registered (or re-registered after a restart) with a new broker epoch. The
 * controller assigns broker epochs that grow with every registration, so requests from a
 * previous incarnation of the broker can be rejected with STALE_BROKER_EPOCH.
 *
 * @param rack null when the broker has no rack
 * @param fenced brokers register fenced and are unfenced by a later heartbeat
 */
public record RegisterBrokerRecord(int version, int brokerId, long brokerEpoch, UUID incarnationId,
                                   List<BrokerEndpoint> endpoints, String rack, boolean fenced)
    implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public RegisterBrokerRecord {
        endpoints = List.copyOf(endpoints);
    }

    public RegisterBrokerRecord(int brokerId, long brokerEpoch, UUID incarnationId,
                                List<BrokerEndpoint> endpoints, String rack, boolean fenced) {
        this(CURRENT_VERSION, brokerId, brokerEpoch, incarnationId, endpoints, rack, fenced);
    }
}
