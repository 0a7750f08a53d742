package io.weir.controller.image;

import io.weir.controller.record.BrokerEndpoint;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** A registered broker as seen by the metadata image. */
public record BrokerRegistration(int id, long epoch, UUID incarnationId,
                                 List<BrokerEndpoint> endpoints, String rack, boolean fenced) {
    public BrokerRegistration {
        endpoints = List.copyOf(endpoints);
    }

    public Optional<String> rackOpt() {
        return Optional.ofNullable(rack);
    }

    public Optional<BrokerEndpoint> endpoint(String listener) {
        return endpoints.stream().filter(e -> e.listener().equals(listener)).findFirst();
    }

    BrokerRegistration withFenced(boolean value) {
        return new BrokerRegistration(id, epoch, incarnationId, endpoints, rack, value);
    }
}
