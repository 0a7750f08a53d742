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

    /**
     * The error a principal without {@code operation} (DESCRIBE_CONFIGS or ALTER_CONFIGS) on a
     * config resource gets, as Kafka: on the topic for topics (TOPIC_AUTHORIZATION_FAILED), on the
     * cluster for brokers and loggers (CLUSTER_AUTHORIZATION_FAILED); empty when allowed.
     */
    static Optional<org.apache.kafka.common.protocol.Errors> refusal(io.weir.broker.security.acl.Authorization authz,
            org.apache.kafka.common.requests.RequestContext context, byte resourceType, String name,
            io.weir.controller.acl.AclBinding.Operation operation) {
        if (resourceType == org.apache.kafka.common.config.ConfigResource.Type.TOPIC.id()) {
            return authz.topics(context, operation).test(name) ? Optional.empty()
                    : Optional.of(org.apache.kafka.common.protocol.Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        return authz.allowedOnCluster(context, operation) ? Optional.empty()
                : Optional.of(org.apache.kafka.common.protocol.Errors.CLUSTER_AUTHORIZATION_FAILED);
    }
}
