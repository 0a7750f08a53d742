package io.weir.broker.admin;

import io.weir.controller.config.AlterConfigOp;
import io.weir.controller.record.ConfigResource;

import java.util.Optional;

/** Wire codes of config resource types and operations, as the controller defines them. */
final class ConfigResources {
    private ConfigResources() {
    }

    /**
     * The controller's resource for a Kafka (type, name): TOPIC and BROKER as they are, and
     * Kafka's cluster-wide broker default (BROKER with an empty name) as the CLUSTER resource.
     * Other types (broker loggers, client metrics, groups) are not supported.
     */
    static Optional<ConfigResource> resource(byte type, String name) {
        if (name == null) return Optional.empty();
        if (type == ConfigResource.Type.TOPIC.code()) return Optional.of(ConfigResource.topic(name));
        if (type == ConfigResource.Type.BROKER.code()) {
            return Optional.of(name.isEmpty() ? new ConfigResource(ConfigResource.Type.CLUSTER, "")
                    : new ConfigResource(ConfigResource.Type.BROKER, name));
        }
        return Optional.empty();
    }

    static Optional<AlterConfigOp.OpType> op(byte code) {
        for (AlterConfigOp.OpType t : AlterConfigOp.OpType.values()) {
            if (t.code() == code) return Optional.of(t);
        }
        return Optional.empty();
    }
}
