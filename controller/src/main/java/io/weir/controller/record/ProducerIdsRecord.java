package io.weir.controller.record;


/** A block of producer ids up to (excluding) {@code nextProducerId} was handed to a broker. */
public record ProducerIdsRecord(int version, int brokerId, long brokerEpoch, long nextProducerId) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public ProducerIdsRecord(int brokerId, long brokerEpoch, long nextProducerId) {
        this(CURRENT_VERSION, brokerId, brokerEpoch, nextProducerId);
    }
}
