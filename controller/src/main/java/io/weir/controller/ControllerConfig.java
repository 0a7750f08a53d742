package io.weir.controller;

import java.time.Duration;

/**
 * Controller settings, with Kafka's names and defaults where Kafka has them.
 *
 * @param brokerSessionTimeout {@code broker.session.timeout.ms}: a broker that has not
 *     heartbeated for this long is fenced
 * @param defaultNumPartitions {@code num.partitions}
 * @param defaultReplicationFactor {@code default.replication.factor}
 * @param producerIdBlockSize producer ids handed to a broker per AllocateProducerIds
 * @param maxRecordsPerBatch upper bound on records one request may produce, and on records
 *     coalesced into one append (Kafka caps a user operation at 10,000 records too)
 * @param maxPendingRequests bound on the controller's request queue
 * @param autoBalanceInterval how often the active controller evens out replicas across live
 *     brokers by starting reassignments; zero disables automatic balancing
 * @param maxConcurrentReassignments partitions moving at once (automatic balancing and
 *     draining); bounds the data copied concurrently
 */
public record ControllerConfig(Duration brokerSessionTimeout, int defaultNumPartitions,
                               short defaultReplicationFactor, int producerIdBlockSize,
                               int maxRecordsPerBatch, int maxPendingRequests,
                               Duration autoBalanceInterval, int maxConcurrentReassignments) {
    public static final ControllerConfig DEFAULT =
        new ControllerConfig(Duration.ofSeconds(9), 1, (short) 1, 1000, 10_000, 10_000);

    /** Without automatic balancing (the settings before it existed). */
    public ControllerConfig(Duration brokerSessionTimeout, int defaultNumPartitions,
                            short defaultReplicationFactor, int producerIdBlockSize,
                            int maxRecordsPerBatch, int maxPendingRequests) {
        this(brokerSessionTimeout, defaultNumPartitions, defaultReplicationFactor,
            producerIdBlockSize, maxRecordsPerBatch, maxPendingRequests, Duration.ZERO, 10);
    }

    public ControllerConfig {
        if (brokerSessionTimeout.isNegative() || brokerSessionTimeout.isZero()) {
            throw new IllegalArgumentException("broker.session.timeout.ms must be positive");
        }
        if (defaultNumPartitions < 1 || defaultReplicationFactor < 1 || producerIdBlockSize < 1
            || maxRecordsPerBatch < 1 || maxPendingRequests < 1 || maxConcurrentReassignments < 1
            || autoBalanceInterval.isNegative()) {
            throw new IllegalArgumentException("controller limits must be positive: " + this);
        }
    }

    public ControllerConfig withBrokerSessionTimeout(Duration timeout) {
        return new ControllerConfig(timeout, defaultNumPartitions, defaultReplicationFactor,
            producerIdBlockSize, maxRecordsPerBatch, maxPendingRequests, autoBalanceInterval,
            maxConcurrentReassignments);
    }

    public ControllerConfig withAutoBalance(Duration interval, int maxConcurrent) {
        return new ControllerConfig(brokerSessionTimeout, defaultNumPartitions,
            defaultReplicationFactor, producerIdBlockSize, maxRecordsPerBatch, maxPendingRequests,
            interval, maxConcurrent);
    }
}
