package io.weir.controller.record;

import java.util.Objects;

/**
 * What a config entry belongs to: a topic, a broker (name = id), the cluster (name = ""), or a
 * client quota entity (name = {@code io.weir.controller.quota.ClientQuotaEntity#encoded()}),
 * kept as configs the way Kafka kept quotas under ZooKeeper's {@code /config/users} and
 * {@code /config/clients}.
 */
public record ConfigResource(Type type, String name) {
    /** Codes match Kafka's {@code ConfigResource.Type}; CLIENT_QUOTA is not one (no request names it). */
    public enum Type {
        TOPIC(2), BROKER(4), CLUSTER(0), CLIENT_QUOTA(-1);

        private final byte code;

        Type(int code) {
            this.code = (byte) code;
        }

        public byte code() {
            return code;
        }
    }

    public ConfigResource {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    public static ConfigResource topic(String name) {
        return new ConfigResource(Type.TOPIC, name);
    }
}
