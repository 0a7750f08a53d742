package io.weir.broker.api;

import org.apache.kafka.common.feature.Features;
import org.apache.kafka.common.feature.SupportedVersionRange;
import org.apache.kafka.common.protocol.ApiKeys;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kafka's feature flags (KIP-584) as Weir reports them in ApiVersions, so
 * {@code kafka-features.sh describe} and {@code Admin.describeFeatures} work. They follow from
 * what this build implements and never change at run time, so the finalized epoch is 0:
 * <ul>
 *   <li>{@code metadata.version} 30 (Kafka's 4.3-IV0): the protocol Weir speaks is that of
 *       kafka-clients 4.3; Weir's own metadata log has its own format, so there is no range to
 *       upgrade or downgrade through;</li>
 *   <li>{@code group.version} 1 when the KIP-848 consumer group protocol
 *       (ConsumerGroupHeartbeat) is served, as Kafka finalizes it to enable that protocol.</li>
 * </ul>
 * {@code transaction.version} and {@code kraft.version} are not reported: Weir has no
 * transactions, and its quorum is Ratis (or ZooKeeper), not KRaft.
 */
final class FeatureLevels {
    static final String METADATA_VERSION = "metadata.version";
    static final String GROUP_VERSION = "group.version";
    /** Kafka's MetadataVersion.IBP_4_3_IV0, the release whose protocol Weir follows. */
    static final short METADATA_VERSION_LEVEL = 30;
    static final long FINALIZED_EPOCH = 0;

    private final Map<String, SupportedVersionRange> supported = new TreeMap<>();
    private final Map<String, Short> finalized = new TreeMap<>();

    FeatureLevels(Set<ApiKeys> served) {
        supported.put(METADATA_VERSION, new SupportedVersionRange(METADATA_VERSION_LEVEL, METADATA_VERSION_LEVEL));
        finalized.put(METADATA_VERSION, METADATA_VERSION_LEVEL);
        if (served.contains(ApiKeys.CONSUMER_GROUP_HEARTBEAT)) {
            supported.put(GROUP_VERSION, new SupportedVersionRange((short) 0, (short) 1));
            finalized.put(GROUP_VERSION, (short) 1);
        }
    }

    Features<SupportedVersionRange> supported() {
        return Features.supportedFeatures(supported);
    }

    Map<String, Short> finalized() {
        return finalized;
    }
}
