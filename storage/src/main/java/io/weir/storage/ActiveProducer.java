package io.weir.storage;

/**
 * One idempotent producer's state in a partition log: its epoch, the last sequence number and
 * the max timestamp of its last batch ({@code -1} if unknown), as Kafka's DescribeProducers
 * reports them.
 */
public record ActiveProducer(long producerId, short epoch, int lastSequence, long lastTimestamp) {
}
