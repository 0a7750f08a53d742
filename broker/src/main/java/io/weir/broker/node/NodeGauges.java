package io.weir.broker.node;

import io.weir.broker.fetch.session.FetchSessionCache;
import io.weir.broker.lifecycle.BrokerLifecycle;
import io.weir.broker.metadata.MetadataCache;
import io.weir.broker.metrics.BrokerMetrics;
import io.weir.replication.MoveProgress;
import io.weir.replication.ReplicaManager;
import io.weir.storage.LogManager;

/** The node's gauges on {@code /metrics}: its partitions, fetch sessions, reassignments, disk and fencing. */
final class NodeGauges {
    private NodeGauges() {
    }

    static void register(BrokerMetrics metrics, LogManager logs, ReplicaManager replicas,
                         FetchSessionCache fetchSessions, MetadataCache metadata, BrokerLifecycle lifecycle) {
        metrics.gauge("weir.partitions", "partition logs on this node", () -> logs.partitions().size());
        metrics.gauge("weir.partitions.leader", "partitions this node leads", replicas::leaderCount);
        metrics.gauge("weir.fetch.sessions", "incremental fetch sessions this node keeps (KIP-227)", fetchSessions::size);
        metrics.gauge("weir.fetch.sessions.partitions", "partitions over all fetch sessions",
                fetchSessions::totalPartitions);
        metrics.gauge("weir.partitions.offline", "partitions with no leader (no live ISR member)",
                () -> metadata.image().topicsById().values().stream()
                        .flatMap(t -> t.partitions().values().stream()).filter(p -> p.leader() < 0).count());
        metrics.gauge("weir.partitions.under.replicated", "led partitions whose ISR is smaller than their replicas",
                replicas::underReplicatedPartitions);
        metrics.gauge("weir.reassignment.partitions.moving", "partitions a reassignment is adding replicas to (cluster-wide)",
                () -> metadata.image().topicsById().values().stream()
                        .flatMap(t -> t.partitions().values().stream()).filter(p -> !p.addingReplicas().isEmpty()).count());
        metrics.gauge("weir.reassignment.bytes.remaining",
                "bytes this node, as leader, still has to copy into replicas being added (out of the ISR)",
                () -> replicas.moveProgress().stream().mapToLong(MoveProgress::bytesRemaining).sum());
        metrics.gauge("weir.reassignment.bytes.copied.per.second",
                "bytes/s this node, as leader, sent to replicas being added, over the last 11 s",
                replicas::reassignmentCopyRate);
        metrics.gauge("weir.log.dir.full", "1 while the data directory is full: appends answer KAFKA_STORAGE_ERROR",
                () -> logs.diskSpace().isFull() ? 1 : 0);
        metrics.gauge("weir.broker.fenced", "1 while this broker is fenced or unregistered",
                () -> lifecycle.isUnfenced() ? 0 : 1);
    }
}
