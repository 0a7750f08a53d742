package io.weir.broker.group;

import io.weir.broker.security.acl.Authorization;
import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.broker.api.ApiRegistry;
import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.group.GroupCoordinator;
import io.weir.group.TopicVisibility;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupDescribeResponse;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The consumer group APIs on the client listener, over {@link GroupCoordinator}: the classic
 * protocol's and KIP-848's (ConsumerGroupHeartbeat, ConsumerGroupDescribe).
 * Versions stop before those that name topics by id (OffsetCommit/OffsetFetch v10).
 *
 * <p>With an authorizer, the per-group and per-topic checks of Kafka's KafkaApis (the whole-request
 * ones, READ on the group of JoinGroup and the like, are in {@code ApiAuthorization}):
 * FindCoordinator, DescribeGroups, ConsumerGroupDescribe need DESCRIBE on each group, DeleteGroups
 * DELETE (GROUP_AUTHORIZATION_FAILED per group); ListGroups lists every group with DESCRIBE on the
 * cluster, else the groups the principal may DESCRIBE; OffsetCommit and OffsetDelete need READ on
 * each topic, OffsetFetch DESCRIBE on the group and on each topic (TOPIC_AUTHORIZATION_FAILED per
 * partition; topics it may not describe are left out of an all-topics answer).
 */
public final class GroupHandlers {
    private static final byte GROUP_KEY = 0;
    private static final short FIRST_BATCHED_FIND_COORDINATOR = 4;
    private static final short FIRST_BATCHED_LEAVE = 3;
    private static final short FIRST_MULTI_GROUP_OFFSET_FETCH = 8;

    private GroupHandlers() {
    }

    public static ApiRegistry.Builder register(ApiRegistry.Builder registry, GroupCoordinator groups) {
        return register(registry, groups, Authorization.NONE);
    }

    public static ApiRegistry.Builder register(ApiRegistry.Builder registry, GroupCoordinator groups,
                                               Authorization authz) {
        return registry
                .add(ApiKeys.FIND_COORDINATOR, 0, 6, (RequestContext ctx, FindCoordinatorRequest r) ->
                        done(findCoordinator(groups, r.data(), r.version(), ctx.listenerName(),
                                groupsAllowed(authz, ctx, Operation.DESCRIBE)), r.version()))
                .add(ApiKeys.JOIN_GROUP, 0, 9, (RequestContext ctx, JoinGroupRequest r) ->
                        groups.join(r.data(), r.version(), ctx.clientId(), ctx.clientAddress().toString())
                                .thenApply(data -> (AbstractResponse) new JoinGroupResponse(data, r.version())))
                .add(ApiKeys.SYNC_GROUP, 0, 5, (RequestContext ctx, SyncGroupRequest r) ->
                        groups.sync(r.data()).thenApply(data -> (AbstractResponse) new SyncGroupResponse(data)))
                .add(ApiKeys.HEARTBEAT, 0, 4, (RequestContext ctx, HeartbeatRequest r) ->
                        CompletableFuture.completedFuture(new HeartbeatResponse(
                                new HeartbeatResponseData().setErrorCode(groups.heartbeat(r.data()).code()))))
                .add(ApiKeys.LEAVE_GROUP, 0, 5, (RequestContext ctx, LeaveGroupRequest r) ->
                        CompletableFuture.completedFuture(leave(groups, r.data(), r.version())))
                .add(ApiKeys.OFFSET_COMMIT, 2, 9, (RequestContext ctx, OffsetCommitRequest r) ->
                        commit(groups, r.data(), r.version(), authz.topics(ctx, Operation.READ))
                                .thenApply(OffsetCommitResponse::new))
                .add(ApiKeys.LIST_GROUPS, 0, 5, (RequestContext ctx, ListGroupsRequest r) -> {
                    Predicate<String> listable = authz.allowedOnCluster(ctx, Operation.DESCRIBE) ? g -> true
                            : groupsAllowed(authz, ctx, Operation.DESCRIBE);
                    return CompletableFuture.completedFuture(new ListGroupsResponse(new ListGroupsResponseData()
                            .setErrorCode(Errors.NONE.code())
                            .setGroups(groups.list(r.data().statesFilter(), r.data().typesFilter()).stream()
                                    .filter(g -> listable.test(g.groupId())).collect(java.util.stream.Collectors.toList()))));
                })
                .add(ApiKeys.DESCRIBE_GROUPS, 0, 6, (RequestContext ctx, DescribeGroupsRequest r) -> {
                    DescribeGroupsResponseData out = new DescribeGroupsResponseData();
                    Predicate<String> describable = groupsAllowed(authz, ctx, Operation.DESCRIBE);
                    // Unknown groups: "Dead" with no error before v6, GROUP_ID_NOT_FOUND from v6 (KIP-1043).
                    for (String g : r.data().groups()) {
                        DescribeGroupsResponseData.DescribedGroup described = describable.test(g)
                                ? groups.describe(g, r.version() >= 6)
                                : new DescribeGroupsResponseData.DescribedGroup().setGroupId(g)
                                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code());
                        if (r.data().includeAuthorizedOperations() && described.errorCode() == Errors.NONE.code()) {
                            described.setAuthorizedOperations(authz.authorizedOperations(ctx, AclBinding.ResourceType.GROUP, g));
                        }
                        out.groups().add(described);
                    }
                    return CompletableFuture.completedFuture(new DescribeGroupsResponse(out));
                })
                .add(ApiKeys.DELETE_GROUPS, 0, 2, (RequestContext ctx, DeleteGroupsRequest r) -> {
                    List<String> names = r.data().groupsNames();
                    Predicate<String> deletable = groupsAllowed(authz, ctx, Operation.DELETE);
                    List<CompletableFuture<Errors>> results = names.stream().map(g -> deletable.test(g) ? groups.delete(g)
                            : CompletableFuture.completedFuture(Errors.GROUP_AUTHORIZATION_FAILED)).toList();
                    return CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
                        DeleteGroupsResponseData out = new DeleteGroupsResponseData();
                        for (int i = 0; i < names.size(); i++) {
                            out.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(names.get(i))
                                    .setErrorCode(results.get(i).join().code()));
                        }
                        return (AbstractResponse) new DeleteGroupsResponse(out);
                    });
                })
                .add(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 0, 1, (RequestContext ctx, ConsumerGroupHeartbeatRequest r) -> {
                    if (!describable(r.data().subscribedTopicNames(), authz.topics(ctx, Operation.DESCRIBE))) {
                        // As Kafka: a member may not learn of topics it cannot describe, so the whole
                        // heartbeat is refused and changes nothing; the client reports it from poll().
                        return CompletableFuture.completedFuture(new ConsumerGroupHeartbeatResponse(
                                new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                    }
                    TopicVisibility visible = authz.enabled()
                            ? new TopicVisibility(ctx.principal() + "@" + ctx.clientAddress().getHostAddress(),
                                    authz.topics(ctx, Operation.DESCRIBE)) : null;
                    return groups.consumerHeartbeat(r.data(), ctx.clientId(), ctx.clientAddress().toString(), visible)
                            .thenApply(ConsumerGroupHeartbeatResponse::new);
                })
                .add(ApiKeys.CONSUMER_GROUP_DESCRIBE, 0, 1, (RequestContext ctx, ConsumerGroupDescribeRequest r) -> {
                    ConsumerGroupDescribeResponseData out = new ConsumerGroupDescribeResponseData();
                    Predicate<String> describable = groupsAllowed(authz, ctx, Operation.DESCRIBE);
                    for (String g : r.data().groupIds()) {
                        out.groups().add(describable.test(g) ? groups.consumerDescribe(g)
                                : new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(g)
                                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
                    }
                    return CompletableFuture.completedFuture(new ConsumerGroupDescribeResponse(out));
                })
                .add(ApiKeys.OFFSET_DELETE, 0, 0, (RequestContext ctx, OffsetDeleteRequest r) ->
                        deleteOffsets(groups, r.data(), authz.topics(ctx, Operation.READ)).thenApply(OffsetDeleteResponse::new))
                .add(ApiKeys.OFFSET_FETCH, 1, 9, (RequestContext ctx, OffsetFetchRequest r) ->
                        CompletableFuture.completedFuture(new OffsetFetchResponse(fetch(groups, r.data(), r.version(),
                                groupsAllowed(authz, ctx, Operation.DESCRIBE), authz.topics(ctx, Operation.DESCRIBE)),
                                r.version())));
    }

    /** Whether every topic a heartbeat names (none: it keeps its subscription) may be described. */
    static boolean describable(List<String> subscribedTopicNames, Predicate<String> describable) {
        return subscribedTopicNames == null || subscribedTopicNames.stream().allMatch(describable);
    }

    private static Predicate<String> groupsAllowed(Authorization authz, RequestContext ctx, Operation operation) {
        return group -> authz.allowed(ctx, operation, AclBinding.ResourceType.GROUP, group == null ? "" : group);
    }

    private static CompletableFuture<OffsetDeleteResponseData> deleteOffsets(GroupCoordinator groups,
                                                                             OffsetDeleteRequestData in,
                                                                             Predicate<String> readable) {
        List<TopicPartition> partitions = new ArrayList<>();
        Map<TopicPartition, Errors> refused = new java.util.LinkedHashMap<>();
        in.topics().forEach(t -> t.partitions().forEach(p -> {
            TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
            if (readable.test(t.name())) partitions.add(tp);
            else refused.put(tp, Errors.TOPIC_AUTHORIZATION_FAILED);
        }));
        return groups.deleteOffsets(in.groupId(), partitions).thenApply(deletion -> {
            OffsetDeleteResponseData out = new OffsetDeleteResponseData().setErrorCode(deletion.groupError().code());
            if (deletion.groupError() != Errors.NONE) return out;
            Map<TopicPartition, Errors> answers = new java.util.LinkedHashMap<>(deletion.partitionErrors());
            answers.putAll(refused);
            answers.forEach((tp, error) -> {
                OffsetDeleteResponseData.OffsetDeleteResponseTopic topic = out.topics().find(tp.topic());
                if (topic == null) {
                    topic = new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(tp.topic());
                    out.topics().add(topic);
                }
                topic.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(tp.partition()).setErrorCode(error.code()));
            });
            return out;
        });
    }

    private static CompletableFuture<AbstractResponse> done(FindCoordinatorResponseData data, short version) {
        return CompletableFuture.completedFuture(new FindCoordinatorResponse(data));
    }

    /** Answers with the coordinator's endpoint on the listener the client came in on, as Metadata does. */
    private static FindCoordinatorResponseData findCoordinator(GroupCoordinator groups, FindCoordinatorRequestData in,
                                                               short version, String listener,
                                                               Predicate<String> describable) {
        FindCoordinatorResponseData out = new FindCoordinatorResponseData();
        if (version < FIRST_BATCHED_FIND_COORDINATOR) {
            FindCoordinatorResponseData.Coordinator c = coordinator(groups, in.key(), in.keyType(), listener, describable);
            return out.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage()).setNodeId(c.nodeId())
                    .setHost(c.host()).setPort(c.port());
        }
        for (String key : in.coordinatorKeys()) {
            out.coordinators().add(coordinator(groups, key, in.keyType(), listener, describable));
        }
        return out;
    }

    private static FindCoordinatorResponseData.Coordinator coordinator(GroupCoordinator groups, String key, byte keyType,
                                                                       String listener, Predicate<String> describable) {
        FindCoordinatorResponseData.Coordinator c = new FindCoordinatorResponseData.Coordinator().setKey(key)
                .setNodeId(-1).setHost("").setPort(-1);
        if (keyType != GROUP_KEY) {
            // Transactions and share groups have no coordinator here yet.
            return c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setErrorMessage("only consumer groups are coordinated");
        }
        if (!describable.test(key)) {
            return c.setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setErrorMessage("Not authorized to access group: " + key);
        }
        if (key == null || key.isEmpty()) return c.setErrorCode(Errors.INVALID_REQUEST.code());
        Optional<BrokerRegistration> broker = groups.coordinatorFor(key);
        Optional<BrokerEndpoint> endpoint = broker.flatMap(b -> b.endpoint(listener));
        if (endpoint.isEmpty()) return c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
        return c.setErrorCode(Errors.NONE.code()).setNodeId(broker.get().id()).setHost(endpoint.get().host())
                .setPort(endpoint.get().port());
    }

    private static AbstractResponse leave(GroupCoordinator groups, LeaveGroupRequestData in, short version) {
        List<LeaveGroupRequestData.MemberIdentity> members = version >= FIRST_BATCHED_LEAVE ? in.members()
                : List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(in.memberId()));
        List<Errors> results = groups.leave(in.groupId(), members);
        LeaveGroupResponseData out = new LeaveGroupResponseData().setErrorCode(Errors.NONE.code());
        if (version >= FIRST_BATCHED_LEAVE) {
            for (int i = 0; i < members.size(); i++) {
                LeaveGroupRequestData.MemberIdentity m = members.get(i);
                out.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(m.memberId())
                        .setGroupInstanceId(m.groupInstanceId()).setErrorCode(results.get(i).code()));
            }
            Errors groupError = groups.checkCoordinator(in.groupId());
            if (groupError != Errors.NONE) out.setErrorCode(groupError.code()).setMembers(new ArrayList<>());
        } else {
            out.setErrorCode(results.get(0).code());
        }
        return new LeaveGroupResponse(out);
    }

    private static CompletableFuture<OffsetCommitResponseData> commit(GroupCoordinator groups, OffsetCommitRequestData in,
                                                                      short version, Predicate<String> readable) {
        Map<TopicPartition, GroupCoordinator.CommittedOffset> changes = new java.util.LinkedHashMap<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : in.topics()) {
            if (!readable.test(topic.name())) continue;
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                changes.put(new TopicPartition(topic.name(), p.partitionIndex()), new GroupCoordinator.CommittedOffset(
                        p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata()));
            }
        }
        return groups.commit(in.groupId(), in.generationIdOrMemberEpoch(), in.memberId(), in.groupInstanceId(), version, changes).thenApply(error -> {
            OffsetCommitResponseData out = new OffsetCommitResponseData();
            for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : in.topics()) {
                OffsetCommitResponseData.OffsetCommitResponseTopic t = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                        .setName(topic.name());
                Errors answer = readable.test(topic.name()) ? error : Errors.TOPIC_AUTHORIZATION_FAILED;
                for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                    t.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(answer.code()));
                }
                out.topics().add(t);
            }
            return out;
        });
    }

    private static OffsetFetchResponseData fetch(GroupCoordinator groups, OffsetFetchRequestData in, short version,
                                                 Predicate<String> describableGroup, Predicate<String> describableTopic) {
        OffsetFetchResponseData out = new OffsetFetchResponseData();
        if (version < FIRST_MULTI_GROUP_OFFSET_FETCH) {
            Errors error = describableGroup.test(in.groupId()) ? groups.checkCoordinator(in.groupId())
                    : Errors.GROUP_AUTHORIZATION_FAILED;
            out.setErrorCode(error.code());
            if (error != Errors.NONE) return out;
            Map<TopicPartition, GroupCoordinator.CommittedOffset> committed = groups.committed(in.groupId());
            Map<String, List<Integer>> wanted = new TreeMap<>();
            if (in.topics() == null) {
                committed.keySet().stream().filter(tp -> describableTopic.test(tp.topic()))
                        .forEach(tp -> wanted.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            } else {
                in.topics().forEach(t -> wanted.put(t.name(), t.partitionIndexes()));
            }
            wanted.forEach((topic, partitions) -> {
                OffsetFetchResponseData.OffsetFetchResponseTopic t = new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(topic);
                boolean allowed = describableTopic.test(topic);
                for (int p : partitions) {
                    GroupCoordinator.CommittedOffset c = allowed ? committed.get(new TopicPartition(topic, p)) : null;
                    t.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition().setPartitionIndex(p)
                            .setCommittedOffset(c == null ? -1 : c.offset())
                            .setCommittedLeaderEpoch(c == null ? -1 : c.leaderEpoch())
                            .setMetadata(c == null ? "" : c.metadata())
                            .setErrorCode((allowed ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED).code()));
                }
                out.topics().add(t);
            });
            return out;
        }
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : in.groups()) {
            OffsetFetchResponseData.OffsetFetchResponseGroup group = new OffsetFetchResponseData.OffsetFetchResponseGroup()
                    .setGroupId(g.groupId());
            Errors error = describableGroup.test(g.groupId()) ? groups.checkCoordinator(g.groupId())
                    : Errors.GROUP_AUTHORIZATION_FAILED;
            group.setErrorCode(error.code());
            if (error == Errors.NONE) {
                Map<TopicPartition, GroupCoordinator.CommittedOffset> committed = groups.committed(g.groupId());
                Map<String, List<Integer>> wanted = new TreeMap<>();
                if (g.topics() == null) {
                    committed.keySet().stream().filter(tp -> describableTopic.test(tp.topic()))
                            .forEach(tp -> wanted.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
                } else {
                    g.topics().forEach(t -> wanted.put(t.name(), t.partitionIndexes()));
                }
                wanted.forEach((topic, partitions) -> {
                    OffsetFetchResponseData.OffsetFetchResponseTopics t = new OffsetFetchResponseData.OffsetFetchResponseTopics()
                            .setName(topic);
                    boolean allowed = describableTopic.test(topic);
                    for (int p : partitions) {
                        GroupCoordinator.CommittedOffset c = allowed ? committed.get(new TopicPartition(topic, p)) : null;
                        t.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(p)
                                .setCommittedOffset(c == null ? -1 : c.offset())
                                .setCommittedLeaderEpoch(c == null ? -1 : c.leaderEpoch())
                                .setMetadata(c == null ? "" : c.metadata())
                                .setErrorCode((allowed ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED).code()));
                    }
                    group.topics().add(t);
                });
            }
            out.groups().add(group);
        }
        return out;
    }
}
