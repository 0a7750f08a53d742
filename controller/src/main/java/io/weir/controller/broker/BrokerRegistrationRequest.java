package io.weir.controller.broker;

import io.weir.controller.record.BrokerEndpoint;
import java.util.List;
import java.util.UUID;

/**
 * A broker announcing itself (Kafka's BrokerRegistration). The incarnation id is new on every
 * process start, so the controller can tell a restart from a duplicate broker id.
 */
public record BrokerRegistrationRequest(int brokerId, UUID incarnationId,
                                        List<BrokerEndpoint> endpoints, String rack) {
    public BrokerRegistrationRequest {
        endpoints = List.copyOf(endpoints);
    }
}
