package io.weir.replication;

import org.apache.kafka.common.TopicPartition;

/**
 * How far the copy into one replica that a reassignment is adding has come, as its partition's
 * leader sees it: the replica's log end offset (its last fetch offset) against the leader's,
 * and the bytes of the leader's log from the replica's offset on ({@code PartitionLog.bytesFrom},
 * exact to the sparse index's 4 KiB).
 *
 * @param replica            the broker being added
 * @param replicaLogEndOffset its last fetch offset; -1 before its first fetch in this leadership
 */
public record MoveProgress(TopicPartition partition, int replica, long leaderLogEndOffset, long replicaLogEndOffset,
                           long leaderBytes, long bytesRemaining) {
}
