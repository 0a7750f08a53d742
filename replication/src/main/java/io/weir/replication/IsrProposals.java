package io.weir.replication;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.partition.AlterPartitionReply;
import io.weir.controller.partition.AlterPartitionRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the ISR changes this node's led partitions propose to the active controller, as Kafka's
 * {@code AlterPartitionManager} does: all pending changes in one AlterPartition (at most
 * {@value #MAX_ISR_CHANGES_PER_REQUEST} partitions each, within one metadata batch), so that
 * thousands of ISR changes after a restart are a few requests and metadata writes, not
 * thousands. A partition has at most one change in flight ({@link Partition#proposeIsrChange}).
 * Runs on {@link ReplicaManager}'s ISR-check thread; replies arrive on the channel's.
 */
final class IsrProposals {
    private static final Logger log = LoggerFactory.getLogger(IsrProposals.class);
    /** ISR changes per AlterPartition: one record each, well within the controller's 10,000-record batch. */
    static final int MAX_ISR_CHANGES_PER_REQUEST = 5_000;

    private final int nodeId;
    private final LongSupplier brokerEpoch;
    private final ReplicaManager.IsrChannel channel;
    private final long replicaLagTimeMaxMs;
    private final long retryIntervalMs;

    IsrProposals(int nodeId, LongSupplier brokerEpoch, ReplicaManager.IsrChannel channel, long replicaLagTimeMaxMs,
                 long retryIntervalMs) {
        this.nodeId = nodeId;
        this.brokerEpoch = brokerEpoch;
        this.channel = channel;
        this.replicaLagTimeMaxMs = replicaLagTimeMaxMs;
        this.retryIntervalMs = retryIntervalMs;
    }

    /** Proposes every pending ISR change of {@code partitions}; only brokers {@code current} shows live may join an ISR. */
    void check(Collection<Partition> partitions, MetadataImage current) {
        List<Partition> proposing = new ArrayList<>();
        List<Partition.IsrProposal> proposals = new ArrayList<>();
        List<AlterPartitionRequest> requests = new ArrayList<>();
        for (Partition partition : partitions) {
            Optional<Partition.IsrProposal> proposal = partition.proposeIsrChange(replicaLagTimeMaxMs, current::isLive);
            if (proposal.isEmpty()) continue;
            Partition.IsrProposal p = proposal.get();
            TopicPartition tp = partition.topicPartition();
            if (!p.retry()) {
                log.info("Proposing ISR {} for {} (was {}; followers {})", p.proposedIsr(), tp, p.currentIsr(),
                        p.followers());
            }
            proposing.add(partition);
            proposals.add(p);
            requests.add(new AlterPartitionRequest(nodeId, brokerEpoch.getAsLong(),
                    partition.topicId(), tp.partition(), p.leaderEpoch(), p.proposedIsr(), p.partitionEpoch()));
        }
        for (int from = 0; from < requests.size(); from += MAX_ISR_CHANGES_PER_REQUEST) {
            int to = Math.min(requests.size(), from + MAX_ISR_CHANGES_PER_REQUEST);
            List<Partition> batch = proposing.subList(from, to);
            List<Partition.IsrProposal> batchProposals = proposals.subList(from, to);
            try {
                channel.alterPartitions(requests.subList(from, to)).whenComplete((replies, error) -> {
                    boolean answered = error == null && replies != null && replies.size() == batch.size();
                    for (int i = 0; i < batch.size(); i++) {
                        onReplySafely(batch.get(i), batchProposals.get(i), answered ? replies.get(i) : null,
                                answered ? null : error);
                    }
                });
            } catch (RuntimeException e) {
                for (int i = 0; i < batch.size(); i++) onReplySafely(batch.get(i), batchProposals.get(i), null, e);
            }
        }
    }

    /** One partition's failure must not leave the rest of its batch with a change pending forever. */
    private void onReplySafely(Partition partition, Partition.IsrProposal proposal, AlterPartitionReply reply,
                               Throwable error) {
        try {
            onReply(partition, proposal, reply, error);
        } catch (RuntimeException e) {
            log.error("ISR reply for {} failed", partition.topicPartition(), e);
        }
    }

    private void onReply(Partition partition, Partition.IsrProposal proposal, AlterPartitionReply reply,
                         Throwable error) {
        if (error != null || reply == null || !reply.status().isOk()) {
            String failure = error != null ? error.toString() : String.valueOf(reply == null ? null : reply.status());
            partition.onIsrChangeFailed(failure).ifPresent(f -> log.info("ISR change for {} failed: {}; retrying every {} ms",
                    partition.topicPartition(), f, retryIntervalMs));
            return;
        }
        partition.onIsrCommitted(proposal.leaderEpoch(), reply.isr(), reply.partitionEpoch());
    }
}
