package io.weir.controller.record;


/** A broker left the cluster; its replicas stay assigned until reassigned. */
public record UnregisterBrokerRecord(int version, int brokerId, long brokerEpoch) implements MetadataRecord {
    public static final int CURRENT_VERSION = 1;

    public UnregisterBrokerRecord(int brokerId, long brokerEpoch) {
        this(CURRENT_VERSION, brokerId, brokerEpoch);
    }
}
