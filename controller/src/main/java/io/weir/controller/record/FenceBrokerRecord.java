package io.weir.controller.record;


/** A broker may no longer lead or join ISRs (missed heartbeats or controlled shutdown). */
public record FenceBrokerRecord(int version, int brokerId, long brokerEpoch) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public FenceBrokerRecord(int brokerId, long brokerEpoch) {
        this(CURRENT_VERSION, brokerId, brokerEpoch);
    }
}
