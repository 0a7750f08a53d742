package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.controller.ApiStatus;
import io.weir.controller.QuorumController;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.partition.TopicPartitionName;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.RequestContext;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * AlterPartitionReassignments (KIP-455) through the active controller: a partition's target
 * replicas start a reassignment (replacing an ongoing one), null target replicas cancel it.
 * The answer comes once the change is committed; the data moves afterwards, and
 * ListPartitionReassignments shows it until every target replica is in the ISR. On a node
 * that is not the active controller the answer is NOT_CONTROLLER (clients retry).
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler<AlterPartitionReassignmentsRequest> {
    private final QuorumController controller;

    public AlterPartitionReassignmentsHandler(QuorumController controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, AlterPartitionReassignmentsRequest request) {
        AlterPartitionReassignmentsRequestData in = request.data();
        AlterPartitionReassignmentsResponseData out = new AlterPartitionReassignmentsResponseData()
                .setAllowReplicationFactorChange(in.allowReplicationFactorChange());
        MetadataImage image = controller.image();
        Map<TopicPartitionName, ReassignablePartitionResponse> answers = new LinkedHashMap<>();
        Map<TopicPartitionName, Optional<List<Integer>>> targets = new LinkedHashMap<>();
        Set<TopicPartitionName> seen = new HashSet<>();
        Set<TopicPartitionName> duplicates = new HashSet<>();
        for (ReassignableTopic t : in.topics()) {
            for (ReassignablePartition p : t.partitions()) {
                TopicPartitionName tp = new TopicPartitionName(t.name(), p.partitionIndex());
                if (!seen.add(tp)) duplicates.add(tp);
            }
        }
        for (ReassignableTopic t : in.topics()) {
            ReassignableTopicResponse topic = new ReassignableTopicResponse().setName(t.name());
            out.responses().add(topic);
            for (ReassignablePartition p : t.partitions()) {
                TopicPartitionName tp = new TopicPartitionName(t.name(), p.partitionIndex());
                ReassignablePartitionResponse answer = new ReassignablePartitionResponse()
                        .setPartitionIndex(p.partitionIndex());
                topic.partitions().add(answer);
                ApiError refusal = duplicates.contains(tp)
                        ? new ApiError(Errors.INVALID_REQUEST, "partition " + tp + " appears more than once")
                        : validate(image, tp, p.replicas(), in.allowReplicationFactorChange());
                if (refusal != null) {
                    answer.setErrorCode(refusal.error().code()).setErrorMessage(refusal.message());
                    continue;
                }
                targets.put(tp, Optional.ofNullable(p.replicas()).map(List::copyOf));
                answers.put(tp, answer);
            }
        }
        if (targets.isEmpty()) return CompletableFuture.completedFuture(new AlterPartitionReassignmentsResponse(out));
        return ControllerCalls.bounded(controller.alterPartitionReassignments(targets), in.timeoutMs())
                .handle((results, error) -> {
                    if (error != null) {
                        ApiError failure = ControllerCalls.failure(error);
                        // NOT_CONTROLLER at the top makes the admin client find the controller and retry.
                        if (failure.error() == Errors.NOT_CONTROLLER) {
                            out.setErrorCode(failure.error().code()).setErrorMessage(failure.message());
                        }
                        answers.values().forEach(a -> a.setErrorCode(failure.error().code())
                                .setErrorMessage(failure.message()));
                    } else {
                        answers.forEach((tp, a) -> {
                            ApiStatus status = results.get(tp);
                            if (status == null) {
                                a.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code());
                            } else {
                                a.setErrorCode(ControllerCalls.error(status).code()).setErrorMessage(status.message());
                            }
                        });
                    }
                    return new AlterPartitionReassignmentsResponse(out);
                });
    }

    /** Refusals Kafka makes before the controller decides; null when the controller should decide. */
    private static ApiError validate(MetadataImage image, TopicPartitionName tp, List<Integer> target,
                                     boolean allowReplicationFactorChange) {
        if (target == null) return null;
        if (target.stream().anyMatch(id -> id == null || id < 0)) {
            return new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT, "replica ids must not be negative: " + target);
        }
        if (allowReplicationFactorChange) return null;
        PartitionRegistration current = image.topic(tp.topic()).map(t -> t.partition(tp.partition())).orElse(null);
        // An unknown partition is the controller's to report.
        if (current == null || current.targetReplicas().size() == target.size()) return null;
        return new ApiError(Errors.INVALID_REPLICATION_FACTOR, "the replication factor of " + tp + " would change from "
                + current.targetReplicas().size() + " to " + target.size()
                + " and the request does not allow it (allowReplicationFactorChange is false)");
    }
}
