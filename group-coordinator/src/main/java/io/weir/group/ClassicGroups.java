package io.weir.group;

import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The classic groups this node coordinates, and the imperative shell around each one's pure
 * {@link Group}: every call takes the group's monitor, reads the clock, calls the group, completes
 * the futures of its replies once its metadata record (if any) is written, and keeps one timer at
 * the group's rebalance deadline. {@link GroupCoordinator} checks that this node coordinates the
 * group before it calls in.
 */
final class ClassicGroups {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroups.class);

    private final OffsetsTopic offsets;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;
    private final long initialRebalanceDelayMs;
    private final ConcurrentHashMap<String, Hosted> groups = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    /** JoinGroup and SyncGroup requests a group has not answered yet, by request id. */
    private final ConcurrentHashMap<Long, CompletableFuture<JoinGroupResponseData>> pendingJoins = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, CompletableFuture<SyncGroupResponseData>> pendingSyncs = new ConcurrentHashMap<>();

    /** A group this node coordinates, with the timer at its rebalance deadline; calls hold its monitor. */
    private static final class Hosted {
        final Group group;
        ScheduledFuture<?> timer;
        long timerDeadlineMs = Long.MAX_VALUE;

        Hosted(Group group) {
            this.group = group;
        }
    }

    /**
     * @param timer the coordinator's timer thread, which runs the rebalance deadlines
     * @param initialRebalanceDelayMs Kafka's {@code group.initial.rebalance.delay.ms}
     */
    ClassicGroups(OffsetsTopic offsets, LongSupplier clock, ScheduledExecutorService timer, long initialRebalanceDelayMs) {
        this.offsets = offsets;
        this.clock = clock;
        this.timer = timer;
        this.initialRebalanceDelayMs = initialRebalanceDelayMs;
    }

    /** Runs {@code f} on the group under its monitor; empty when this node has no such group. */
    <T> Optional<T> withGroup(String groupId, Function<Group, T> f) {
        Hosted hosted = groups.get(groupId);
        if (hosted == null) return Optional.empty();
        synchronized (hosted) {
            return Optional.of(f.apply(hosted.group));
        }
    }

    /**
     * Removes the group if it is Empty: NONE when removed, NON_EMPTY_GROUP when it has members,
     * GROUP_ID_NOT_FOUND when there is no such group. With {@code tombstone}, its metadata record
     * goes too, so a later coordinator does not bring it back.
     */
    Errors removeIfEmpty(String groupId, boolean tombstone) {
        Hosted hosted = groups.get(groupId);
        if (hosted == null) return Errors.GROUP_ID_NOT_FOUND;
        synchronized (hosted) {
            if (hosted.group.state() != Group.State.EMPTY) return Errors.NON_EMPTY_GROUP;
            groups.remove(groupId, hosted);
            if (tombstone) {
                offsets.writeGroup(groupId, null).thenAccept(written -> {
                    if (written != Errors.NONE) log.warn("Group {}: tombstone of its classic metadata not written ({})",
                            groupId, written);
                });
            }
        }
        return Errors.NONE;
    }

    /**
     * Takes over the groups an offsets partition records, as it was loaded on this node's
     * becoming its leader: each continues at its recorded generation (see {@link Group#restore}).
     */
    void restore(Map<String, GroupMetadataValue> recorded) {
        long now = clock.getAsLong();
        recorded.forEach((groupId, value) -> {
            Group group = Group.restore(groupId, value, initialRebalanceDelayMs, () -> UUID.randomUUID().toString(), now);
            groups.put(groupId, new Hosted(group));
            log.info("Group {} taken over at generation {} ({}, {} members)", groupId, group.generationId(),
                    group.state().kafkaName, group.members().size());
        });
    }

    /** Forgets the groups {@code unloaded} names; their waiting requests get NOT_COORDINATOR. */
    void unload(Predicate<String> unloaded) {
        for (Hosted hosted : groups.values()) {
            String groupId = hosted.group.groupId;
            if (!unloaded.test(groupId)) continue;
            synchronized (hosted) {
                hosted.group.abandon(Errors.NOT_COORDINATOR);
                settle(hosted);
                groups.remove(groupId, hosted);
            }
        }
    }

    /** Answers every waiting request with {@code error}: the coordinator is closing. */
    void abandonAll(Errors error) {
        for (Hosted hosted : groups.values()) {
            synchronized (hosted) {
                hosted.group.abandon(error);
                settle(hosted);
            }
        }
    }

    // ---- JoinGroup, SyncGroup, Heartbeat, LeaveGroup: the calls into the group's state machine ----

    CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData in, short version, String clientId,
                                                  String clientHost) {
        Hosted hosted = groups.computeIfAbsent(in.groupId(), this::host);
        CompletableFuture<JoinGroupResponseData> answer = new CompletableFuture<>();
        synchronized (hosted) {
            long requestId = requestIds.incrementAndGet();
            pendingJoins.put(requestId, answer);
            hosted.group.join(requestId, in, version, clientId, clientHost, clock.getAsLong());
            settle(hosted);
        }
        return answer;
    }

    CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData in) {
        Hosted hosted = groups.get(in.groupId());
        if (hosted == null) return CompletableFuture.completedFuture(GroupReplies.syncError(Errors.UNKNOWN_MEMBER_ID));
        CompletableFuture<SyncGroupResponseData> answer = new CompletableFuture<>();
        synchronized (hosted) {
            long requestId = requestIds.incrementAndGet();
            pendingSyncs.put(requestId, answer);
            hosted.group.sync(requestId, in, clock.getAsLong());
            settle(hosted);
        }
        return answer;
    }

    Errors heartbeat(HeartbeatRequestData in) {
        Hosted hosted = groups.get(in.groupId());
        if (hosted == null) return Errors.UNKNOWN_MEMBER_ID;
        synchronized (hosted) {
            return hosted.group.heartbeat(in.memberId(), in.groupInstanceId(), in.generationId(), clock.getAsLong());
        }
    }

    /** Removes the members; the error for each, in the order asked (NONE when it left). */
    List<Errors> leave(String groupId, List<LeaveGroupRequestData.MemberIdentity> leaving) {
        List<Errors> out = new ArrayList<>();
        Hosted hosted = groups.get(groupId);
        for (LeaveGroupRequestData.MemberIdentity m : leaving) {
            if (hosted == null) {
                out.add(Errors.UNKNOWN_MEMBER_ID);
                continue;
            }
            synchronized (hosted) {
                out.add(hosted.group.leave(m.memberId(), m.groupInstanceId(), clock.getAsLong()));
                settle(hosted);
            }
        }
        return out;
    }

    // ---- ListGroups, DescribeGroups ----

    /** The ids of the groups this node hosts. */
    java.util.Set<String> groupIds() {
        return java.util.Set.copyOf(groups.keySet());
    }

    /** The groups {@code coordinated} accepts, as ListGroups reports them. */
    List<ListGroupsResponseData.ListedGroup> list(Predicate<String> coordinated) {
        List<ListGroupsResponseData.ListedGroup> out = new ArrayList<>();
        for (Hosted hosted : groups.values()) {
            Group group = hosted.group;
            if (!coordinated.test(group.groupId)) continue;
            synchronized (hosted) {
                out.add(new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId)
                        .setProtocolType(group.protocolType() == null ? "" : group.protocolType())
                        .setGroupState(group.state().kafkaName).setGroupType("classic"));
            }
        }
        return out;
    }

    /** DescribeGroups of a group this node coordinates and that is not a consumer group. */
    DescribeGroupsResponseData.DescribedGroup describe(DescribeGroupsResponseData.DescribedGroup out,
                                                       boolean unknownIsError) {
        Hosted hosted = groups.get(out.groupId());
        if (hosted == null) {
            if (!offsets.committed(out.groupId()).isEmpty()) return out.setErrorCode(Errors.NONE.code()).setGroupState("Empty");
            return out.setErrorCode((unknownIsError ? Errors.GROUP_ID_NOT_FOUND : Errors.NONE).code());
        }
        synchronized (hosted) {
            Group group = hosted.group;
            String protocol = group.protocolName();
            out.setErrorCode(Errors.NONE.code()).setGroupState(group.state().kafkaName)
                    .setProtocolType(group.protocolType() == null ? "" : group.protocolType())
                    .setProtocolData(protocol == null ? "" : protocol);
            for (GroupMember m : group.members()) {
                out.members().add(new DescribeGroupsResponseData.DescribedGroupMember().setMemberId(m.memberId)
                        .setGroupInstanceId(m.groupInstanceId).setClientId(m.clientId).setClientHost(m.clientHost)
                        .setMemberMetadata(protocol == null ? new byte[0] : m.metadata(protocol))
                        .setMemberAssignment(group.state() == Group.State.STABLE ? m.assignment() : new byte[0]));
            }
        }
        return out;
    }

    // ---- timers and replies ----

    /** Ticks every group: completes rebalances whose deadline passed, expires sessions. */
    void tickAll() {
        for (Hosted hosted : groups.values()) {
            try {
                tick(hosted);
            } catch (RuntimeException e) {
                // One group's bug must not stop session expiry for the others (a periodic task dies on its first throw).
                log.error("Ticking group {} failed", hosted.group.groupId, e);
            }
        }
    }

    private void tick(Hosted hosted) {
        synchronized (hosted) {
            if (groups.get(hosted.group.groupId) != hosted) return; // unloaded meanwhile
            hosted.group.tick(clock.getAsLong());
            settle(hosted);
        }
    }

    private Hosted host(String groupId) {
        return new Hosted(new Group(groupId, initialRebalanceDelayMs, () -> UUID.randomUUID().toString()));
    }

    /**
     * The imperative half of every call into a group, under its monitor: completes the futures of
     * the requests the group answered and keeps one timer at its rebalance deadline.
     */
    private void settle(Hosted hosted) {
        List<GroupReply> replies = hosted.group.takeReplies();
        Optional<GroupMetadataValue> record = hosted.group.takeRecord();
        // As Kafka does, answers wait until the group's new metadata is committed, so a member
        // never works on an assignment or member id that a coordinator failover would forget.
        CompletableFuture<Errors> recorded = record.isEmpty() ? CompletableFuture.completedFuture(Errors.NONE)
                : offsets.writeGroup(hosted.group.groupId, record.get());
        for (GroupReply reply : replies) {
            if (reply instanceof GroupReply.Join join) {
                CompletableFuture<JoinGroupResponseData> answer = pendingJoins.remove(join.requestId());
                if (answer == null) throw new IllegalStateException("group answered request " + join.requestId() + " twice");
                // A static member that took its old place is answered once the new member id is recorded.
                recorded.whenComplete((written, failure) -> {
                    Errors error = failure != null ? Errors.COORDINATOR_NOT_AVAILABLE : written;
                    if (error != Errors.NONE && join.response().errorCode() == Errors.NONE.code()) {
                        answer.complete(GroupReplies.joinError(error, join.response().memberId()));
                    } else {
                        answer.complete(join.response());
                    }
                });
            } else if (reply instanceof GroupReply.Sync sync) {
                CompletableFuture<SyncGroupResponseData> answer = pendingSyncs.remove(sync.requestId());
                if (answer == null) throw new IllegalStateException("group answered request " + sync.requestId() + " twice");
                recorded.whenComplete((written, failure) -> {
                    Errors error = failure != null ? Errors.COORDINATOR_NOT_AVAILABLE : written;
                    if (error != Errors.NONE && sync.response().errorCode() == Errors.NONE.code()) {
                        log.warn("Group {}: metadata not written ({}); SyncGroup answered with it", hosted.group.groupId, error);
                        answer.complete(GroupReplies.syncError(error));
                    } else {
                        answer.complete(sync.response());
                    }
                });
            }
        }
        long deadline = hosted.group.rebalanceDeadlineMs().orElse(Long.MAX_VALUE);
        if (deadline == hosted.timerDeadlineMs) return;
        if (hosted.timer != null) hosted.timer.cancel(false);
        hosted.timer = deadline == Long.MAX_VALUE ? null
                : timer.schedule(() -> tick(hosted), Math.max(0, deadline - clock.getAsLong()), TimeUnit.MILLISECONDS);
        hosted.timerDeadlineMs = deadline;
    }
}
