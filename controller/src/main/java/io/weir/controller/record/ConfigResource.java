package io.weir.controller.record;

import java.util.Objects;

/** What a config entry belongs to: a topic, a broker (name = id) or the cluster (name = ""). */
public record ConfigResource(Type type, String name) {
    /** Codes match Kafka's {@code ConfigResource.Type}. */
    public enum Type {
        TOPIC(2), BROKER(4), CLUSTER(0);

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
