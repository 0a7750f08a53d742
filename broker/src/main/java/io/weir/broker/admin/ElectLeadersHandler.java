package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.controller.QuorumController;
import io.weir.controller.partition.ElectionType;
import io.weir.controller.partition.TopicPartitionName;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * ElectLeaders through the active controller: PREFERRED moves leadership to each partition's
 * first replica when it is a live ISR member; UNCLEAN elects a leader for leaderless
 * partitions, outside the ISR if no member is live. Null partitions means every partition,
 * and then, as in Kafka, partitions that need no election are left out of the answer.
 * NOT_CONTROLLER on a node that is not the active controller.
 */
public final class ElectLeadersHandler implements ApiHandler<ElectLeadersRequest> {
    private final QuorumController controller;

    public ElectLeadersHandler(QuorumController controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, ElectLeadersRequest request) {
        ElectLeadersRequestData in = request.data();
        short version = request.version();
        ElectionType type = switch (in.electionType()) {
            case 0 -> ElectionType.PREFERRED;
            case 1 -> ElectionType.UNCLEAN;
            default -> null;
        };
        List<TopicPartitionName> partitions = null;
        if (in.topicPartitions() != null) {
            Set<TopicPartitionName> distinct = new LinkedHashSet<>();
            in.topicPartitions().forEach(t -> t.partitions().forEach(p -> distinct.add(new TopicPartitionName(t.topic(), p))));
            partitions = new ArrayList<>(distinct);
        }
        if (type == null) {
            return CompletableFuture.completedFuture(failed(version, partitions, new ApiError(Errors.INVALID_REQUEST,
                    "unknown election type " + in.electionType())));
        }
        boolean all = partitions == null;
        List<TopicPartitionName> asked = partitions;
        if (!all && asked.isEmpty()) {
            return CompletableFuture.completedFuture(respond(new ElectLeadersResponseData(), Map.of()));
        }
        return ControllerCalls.bounded(controller.electLeaders(type, asked), in.timeoutMs()).handle((results, error) -> {
            if (error != null) return failed(version, asked, ControllerCalls.failure(error));
            Map<TopicPartitionName, ApiError> shown = new LinkedHashMap<>();
            results.forEach((tp, status) -> {
                if (!all || status.error() != io.weir.controller.ApiError.ELECTION_NOT_NEEDED) {
                    shown.put(tp, new ApiError(ControllerCalls.error(status), status.message()));
                }
            });
            return respond(new ElectLeadersResponseData(), shown);
        });
    }

    private static ElectLeadersResponse respond(ElectLeadersResponseData out,
                                                Map<TopicPartitionName, ApiError> results) {
        Map<String, ReplicaElectionResult> byTopic = new LinkedHashMap<>();
        results.forEach((tp, status) -> byTopic.computeIfAbsent(tp.topic(), t -> new ReplicaElectionResult().setTopic(t))
                .partitionResult().add(new PartitionResult().setPartitionId(tp.partition())
                        .setErrorCode(status.error().code()).setErrorMessage(status.message())));
        out.setReplicaElectionResults(new ArrayList<>(byTopic.values()));
        return new ElectLeadersResponse(out);
    }

    /** The whole request failed: top-level error from v1, and each asked partition carries it too. */
    private static ElectLeadersResponse failed(short version, List<TopicPartitionName> asked, ApiError failure) {
        ElectLeadersResponseData out = new ElectLeadersResponseData();
        if (version >= 1) out.setErrorCode(failure.error().code());
        Map<TopicPartitionName, ApiError> each = new LinkedHashMap<>();
        if (asked != null) asked.forEach(tp -> each.put(tp, failure));
        return respond(out, each);
    }
}
