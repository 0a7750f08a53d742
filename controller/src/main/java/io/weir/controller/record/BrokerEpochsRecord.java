package io.weir.controller.record;

/**
 * The highest broker epoch ever assigned, written in snapshots so that a broker that
 * unregistered and registers again never gets an epoch it had before.
 */
public record BrokerEpochsRecord(int version, long highestBrokerEpoch) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public BrokerEpochsRecord(long highestBrokerEpoch) {
        this(CURRENT_VERSION, highestBrokerEpoch);
    }
}
