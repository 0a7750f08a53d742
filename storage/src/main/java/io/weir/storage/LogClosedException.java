package io.weir.storage;

import org.apache.kafka.common.TopicPartition;

/**
 * The log was closed: its partition left this node (deleted, or moved by a reassignment) or the
 * node is shutting down. A caller that still held the log, such as a replica fetcher between a
 * topic's deletion and its next assignment, drops what it was doing with that partition.
 */
public final class LogClosedException extends IllegalStateException {
    LogClosedException(TopicPartition topicPartition) {
        super("Log of " + topicPartition + " is closed");
    }
}
