package io.weir.controller.partition;

/** A partition addressed by topic name, as in ElectLeaders. */
public record TopicPartitionName(String topic, int partition) {
}
