package io.weir.broker.quorum;

import io.weir.broker.admin.ControllerForwarder;
import io.weir.broker.api.ApiHandler;
import io.weir.controller.QuorumController;
import io.weir.controller.coordination.QuorumDescription;
import io.weir.controller.coordination.QuorumMembership;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeQuorumRequest;
import org.apache.kafka.common.requests.DescribeQuorumResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.internals.Topic;

/**
 * DescribeQuorum (API 55, what {@code kafka-metadata-quorum.sh describe} and
 * {@code Admin.describeMetadataQuorum} send): the metadata quorum of partition
 * {@code __cluster_metadata-0} as its leader sees it. Only the active controller's node knows
 * the followers' progress, so the others forward to it (NOT_CONTROLLER when it cannot be reached,
 * which the admin client retries). Another topic or partition answers UNKNOWN_TOPIC_OR_PARTITION,
 * as Kafka does.
 */
public final class DescribeQuorumHandler implements ApiHandler<DescribeQuorumRequest> {
    static final int METADATA_PARTITION = 0;

    private final QuorumController controller;
    private final QuorumMembership quorum;
    private final ControllerForwarder forwarder;

    public DescribeQuorumHandler(QuorumController controller, QuorumMembership quorum, ControllerForwarder forwarder) {
        this.controller = controller;
        this.quorum = quorum;
        this.forwarder = forwarder;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DescribeQuorumRequest request) {
        DescribeQuorumRequestData data = request.data();
        boolean metadataPartition = data.topics().size() == 1
                && Topic.CLUSTER_METADATA_TOPIC_NAME.equals(data.topics().get(0).topicName())
                && data.topics().get(0).partitions().size() == 1
                && data.topics().get(0).partitions().get(0).partitionIndex() == METADATA_PARTITION;
        if (!metadataPartition) {
            return done(partitionError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "only " + Topic.CLUSTER_METADATA_TOPIC_NAME + "-0 has a quorum"));
        }
        Optional<QuorumDescription> description = controller.isActive() ? quorum.describeQuorum() : Optional.empty();
        if (description.isPresent()) {
            return done(new DescribeQuorumResponse(response(description.get())));
        }
        if (controller.isActive()) {
            return done(topLevelError(Errors.NOT_CONTROLLER, "the quorum leader is changing"));
        }
        return forwarder.forward(new DescribeQuorumRequest.Builder(data.duplicate()))
                .handle((forwarded, error) -> error == null
                        ? new DescribeQuorumResponse(((DescribeQuorumResponse) forwarded).data())
                        : topLevelError(Errors.NOT_CONTROLLER, "no active controller reachable"));
    }

    static DescribeQuorumResponseData response(QuorumDescription q) {
        DescribeQuorumResponseData.PartitionData partition = new DescribeQuorumResponseData.PartitionData()
                .setPartitionIndex(METADATA_PARTITION)
                .setErrorCode(Errors.NONE.code())
                .setLeaderId(q.leaderId())
                .setLeaderEpoch((int) Math.min(Integer.MAX_VALUE, q.leaderEpoch()))
                .setHighWatermark(q.highWatermark())
                .setCurrentVoters(states(q.voters()))
                .setObservers(states(q.observers()));
        DescribeQuorumResponseData.NodeCollection nodes = new DescribeQuorumResponseData.NodeCollection();
        q.endpoints().forEach((id, e) -> {
            DescribeQuorumResponseData.ListenerCollection listeners = new DescribeQuorumResponseData.ListenerCollection();
            listeners.add(new DescribeQuorumResponseData.Listener().setName(e.name()).setHost(e.host())
                    .setPort(e.port()));
            nodes.add(new DescribeQuorumResponseData.Node().setNodeId(id).setListeners(listeners));
        });
        return new DescribeQuorumResponseData().setErrorCode(Errors.NONE.code())
                .setTopics(List.of(new DescribeQuorumResponseData.TopicData()
                        .setTopicName(Topic.CLUSTER_METADATA_TOPIC_NAME).setPartitions(List.of(partition))))
                .setNodes(nodes);
    }

    private static List<DescribeQuorumResponseData.ReplicaState> states(List<QuorumDescription.ReplicaState> states) {
        return states.stream().map(s -> new DescribeQuorumResponseData.ReplicaState()
                .setReplicaId(s.nodeId())
                .setReplicaDirectoryId(Uuid.ZERO_UUID)
                .setLogEndOffset(s.logEndOffset())
                .setLastFetchTimestamp(s.lastFetchTimestamp())
                .setLastCaughtUpTimestamp(s.lastCaughtUpTimestamp())).toList();
    }

    private static AbstractResponse partitionError(Errors error, String message) {
        DescribeQuorumResponseData.PartitionData partition = new DescribeQuorumResponseData.PartitionData()
                .setPartitionIndex(METADATA_PARTITION).setErrorCode(error.code()).setErrorMessage(message);
        return new DescribeQuorumResponse(new DescribeQuorumResponseData().setErrorCode(Errors.NONE.code())
                .setTopics(List.of(new DescribeQuorumResponseData.TopicData()
                        .setTopicName(Topic.CLUSTER_METADATA_TOPIC_NAME).setPartitions(List.of(partition)))));
    }

    private static AbstractResponse topLevelError(Errors error, String message) {
        return new DescribeQuorumResponse(new DescribeQuorumResponseData().setErrorCode(error.code())
                .setErrorMessage(message));
    }

    private static CompletableFuture<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
