package io.weir.broker.node;

import io.weir.broker.lifecycle.RoutingControllerChannel;
import io.weir.controller.partition.AlterPartitionReply;
import io.weir.controller.partition.AlterPartitionRequest;
import io.weir.replication.ReplicaManager;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The replicas' ISR changes, sent to the active controller over this node's own channel. */
final class ControllerIsrChannel implements ReplicaManager.IsrChannel {
    private final RoutingControllerChannel channel;

    ControllerIsrChannel(RoutingControllerChannel channel) {
        this.channel = channel;
    }

    @Override
    public CompletableFuture<AlterPartitionReply> alterPartition(AlterPartitionRequest request) {
        return alterPartitions(List.of(request)).thenApply(replies -> replies.get(0));
    }

    // One AlterPartition for all of a check's ISR changes, one metadata write.
    @Override
    public CompletableFuture<List<AlterPartitionReply>> alterPartitions(List<AlterPartitionRequest> requests) {
        try {
            return CompletableFuture.completedFuture(channel.alterPartitions(requests));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
