package io.weir.broker.security.acl;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.acl.AclBinding.ResourceType;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.SyncGroupRequest;

import java.util.Optional;

/**
 * The one table of what a request needs as a whole, with the operation Kafka's {@code KafkaApis}
 * checks: the cluster-wide admin APIs (ALTER / DESCRIBE / ALTER_CONFIGS / DESCRIBE_CONFIGS /
 * CLUSTER_ACTION on the cluster) and the APIs of one consumer group (READ or DELETE on it). A
 * request refused here reaches no handler and is answered with the API's error response for
 * {@link Check#refusal()}.
 *
 * <p>APIs that name many resources are checked per resource by their handlers, because each
 * resource is answered on its own (Kafka's per-partition TOPIC_AUTHORIZATION_FAILED): Metadata
 * (DESCRIBE, and CREATE to auto-create), Produce (WRITE), Fetch (READ), ListOffsets and
 * OffsetForLeaderEpoch (DESCRIBE), CreateTopics (CREATE on the cluster or the topic), DeleteTopics
 * and DeleteRecords (DELETE), CreatePartitions (ALTER), DescribeConfigs / IncrementalAlterConfigs
 * (DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic or the cluster), DescribeProducers (READ),
 * FindCoordinator (DESCRIBE on each group), DescribeGroups / ConsumerGroupDescribe (DESCRIBE),
 * DeleteGroups (DELETE), ListGroups (DESCRIBE on the cluster, else only the groups it may
 * DESCRIBE), OffsetCommit (READ on each topic), OffsetFetch (DESCRIBE on each group and topic),
 * InitProducerId (see {@link AuthorizingDispatcher}). Pure.
 */
public final class ApiAuthorization {
    private ApiAuthorization() {
    }

    /** One permission a request needs, and what it is refused with. */
    public record Check(Operation operation, ResourceType type, String name, ApiException refusal) {
    }

    /** What {@code request} needs as a whole, if anything. */
    public static Optional<Check> of(AbstractRequest request) {
        switch (request.apiKey()) {
            case CREATE_ACLS, DELETE_ACLS, ALTER_PARTITION_REASSIGNMENTS, ELECT_LEADERS, UNREGISTER_BROKER,
                 ALTER_USER_SCRAM_CREDENTIALS, ADD_RAFT_VOTER, REMOVE_RAFT_VOTER:
                return cluster(Operation.ALTER, request);
            case DESCRIBE_ACLS, LIST_PARTITION_REASSIGNMENTS, DESCRIBE_LOG_DIRS, DESCRIBE_USER_SCRAM_CREDENTIALS,
                 DESCRIBE_QUORUM:
                return cluster(Operation.DESCRIBE, request);
            case DESCRIBE_CLIENT_QUOTAS:
                return cluster(Operation.DESCRIBE_CONFIGS, request);
            case ALTER_CLIENT_QUOTAS:
                return cluster(Operation.ALTER_CONFIGS, request);
            case BROKER_REGISTRATION, BROKER_HEARTBEAT, ALTER_PARTITION, ALLOCATE_PRODUCER_IDS:
                return cluster(Operation.CLUSTER_ACTION, request);
            case JOIN_GROUP:
                return group(Operation.READ, ((JoinGroupRequest) request).data().groupId());
            case SYNC_GROUP:
                return group(Operation.READ, ((SyncGroupRequest) request).data().groupId());
            case HEARTBEAT:
                return group(Operation.READ, ((HeartbeatRequest) request).data().groupId());
            case LEAVE_GROUP:
                return group(Operation.READ, ((LeaveGroupRequest) request).data().groupId());
            case CONSUMER_GROUP_HEARTBEAT:
                return group(Operation.READ, ((ConsumerGroupHeartbeatRequest) request).data().groupId());
            case OFFSET_COMMIT:
                return group(Operation.READ, ((OffsetCommitRequest) request).data().groupId());
            case OFFSET_DELETE:
                return group(Operation.DELETE, ((OffsetDeleteRequest) request).data().groupId());
            default:
                return Optional.empty();
        }
    }

    private static Optional<Check> cluster(Operation operation, AbstractRequest request) {
        return Optional.of(new Check(operation, ResourceType.CLUSTER, AclBinding.CLUSTER_NAME,
                new ClusterAuthorizationException("Request " + request.apiKey() + " needs " + operation
                        + " on the cluster")));
    }

    private static Optional<Check> group(Operation operation, String groupId) {
        return Optional.of(new Check(operation, ResourceType.GROUP, groupId == null ? "" : groupId,
                new GroupAuthorizationException("Not authorized to access group: " + groupId)));
    }
}
