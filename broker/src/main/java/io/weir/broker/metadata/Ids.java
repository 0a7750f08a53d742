package io.weir.broker.metadata;

import org.apache.kafka.common.Uuid;

import java.util.UUID;

/** Conversions between the controller's {@link UUID} topic ids and Kafka's {@link Uuid}. */
public final class Ids {
    private Ids() {
    }

    public static Uuid toKafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    public static UUID fromKafka(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
