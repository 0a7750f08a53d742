package io.weir.controller.record;


/** A fenced broker caught up and may lead and join ISRs again. */
public record UnfenceBrokerRecord(int version, int brokerId, long brokerEpoch) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public UnfenceBrokerRecord(int brokerId, long brokerEpoch) {
        this(CURRENT_VERSION, brokerId, brokerEpoch);
    }
}
