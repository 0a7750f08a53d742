package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.metadata.MetadataView;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.partition.PartitionControlManager;
import io.weir.controller.partition.TopicPartitionName;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.ListPartitionReassignmentsResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * ListPartitionReassignments, answered from this node's committed metadata image (every node
 * replays the same log, so no trip to the controller is needed): each reassigning partition
 * with its replicas (targets first, then those being removed) and the adding and removing
 * sets. Unknown or idle partitions asked for by name are left out, as Kafka does.
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler<ListPartitionReassignmentsRequest> {
    private final MetadataView metadata;

    public ListPartitionReassignmentsHandler(MetadataView metadata) {
        this.metadata = metadata;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, ListPartitionReassignmentsRequest request) {
        ListPartitionReassignmentsRequestData in = request.data();
        Set<TopicPartitionName> asked = null;
        if (in.topics() != null) {
            asked = new HashSet<>();
            for (ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics t : in.topics()) {
                for (int p : t.partitionIndexes()) asked.add(new TopicPartitionName(t.name(), p));
            }
        }
        Map<String, OngoingTopicReassignment> topics = new LinkedHashMap<>();
        for (Map.Entry<TopicPartitionName, PartitionRegistration> e
                : PartitionControlManager.ongoingReassignments(metadata.image()).entrySet()) {
            TopicPartitionName tp = e.getKey();
            if (asked != null && !asked.contains(tp)) continue;
            PartitionRegistration p = e.getValue();
            topics.computeIfAbsent(tp.topic(), name -> new OngoingTopicReassignment().setName(name))
                    .partitions().add(new OngoingPartitionReassignment().setPartitionIndex(tp.partition())
                            .setReplicas(p.replicas()).setAddingReplicas(p.addingReplicas())
                            .setRemovingReplicas(p.removingReplicas()));
        }
        ListPartitionReassignmentsResponseData out = new ListPartitionReassignmentsResponseData()
                .setTopics(new java.util.ArrayList<>(topics.values()));
        return CompletableFuture.completedFuture(new ListPartitionReassignmentsResponse(out));
    }
}
