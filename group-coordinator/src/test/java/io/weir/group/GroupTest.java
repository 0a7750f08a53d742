package io.weir.group;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classic rebalance protocol as {@link Group} decides it, driven call by call with the time
 * passed in: no sockets, threads or sleeps.
 */
class GroupTest {
    private static final long INITIAL_DELAY_MS = 3_000;
    private static final int SESSION_MS = 10_000;
    private static final int REBALANCE_MS = 30_000;
    private static final short VERSION = 9;

    private int memberIds;
    private final Group group = new Group("g", INITIAL_DELAY_MS, () -> "m" + ++memberIds);
    private long requestIds;
    private final Map<Long, JoinGroupResponseData> joins = new HashMap<>();
    private final Map<Long, SyncGroupResponseData> syncs = new HashMap<>();

    @Test
    void theFirstJoinHandsOutAMemberIdWithMemberIdRequired() {
        JoinGroupResponseData first = joined(join("", 0));
        assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(first.memberId()).isEqualTo("client-m1");
        assertThat(group.members()).isEmpty();
        assertThat(group.state()).isEqualTo(Group.State.EMPTY);

        long retry = join("client-m1", 0);
        assertThat(joined(retry)).as("waits for the initial rebalance delay").isNull();
        assertThat(group.members()).extracting(m -> m.memberId).containsExactly("client-m1");

        JoinGroupResponseData madeUp = joined(join("client-made-up", 0));
        assertThat(Errors.forCode(madeUp.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void beforeVersion4AnEmptyMemberIdJoinsAtOnce() {
        long request = join("", 0, (short) 3, "consumer", "range");
        group.tick(INITIAL_DELAY_MS);
        JoinGroupResponseData answer = joined(request);
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.NONE);
        assertThat(answer.memberId()).isEqualTo("client-m1");
        assertThat(answer.generationId()).isEqualTo(1);
    }

    @Test
    void aNewGroupCompletesItsFirstRebalanceAfterTheInitialDelay() {
        String a = memberId(0);
        long joinA = join(a, 0);
        assertThat(group.state()).isEqualTo(Group.State.PREPARING_REBALANCE);
        assertThat(group.rebalanceDeadlineMs()).isEqualTo(OptionalLong.of(INITIAL_DELAY_MS));
        String b = memberId(1_000);
        long joinB = join(b, 1_000);

        group.tick(INITIAL_DELAY_MS - 1);
        assertThat(joined(joinA)).isNull();
        group.tick(INITIAL_DELAY_MS);

        JoinGroupResponseData leader = joined(joinA);
        JoinGroupResponseData follower = joined(joinB);
        assertThat(group.state()).isEqualTo(Group.State.COMPLETING_REBALANCE);
        assertThat(group.rebalanceDeadlineMs()).isEmpty();
        assertThat(leader.generationId()).isEqualTo(1).isEqualTo(follower.generationId());
        assertThat(leader.leader()).isEqualTo(a).isEqualTo(follower.leader());
        assertThat(leader.protocolName()).isEqualTo("range");
        assertThat(leader.members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId)
                .containsExactly(a, b);
        assertThat(follower.members()).as("only the leader gets the member list").isEmpty();
    }

    @Test
    void withNoInitialDelayTheOnlyMemberIsAnsweredAtOnce() {
        Group immediate = new Group("g", 0, () -> "x");
        immediate.join(1, request("", "consumer", "range"), (short) 3, "client", "/127.0.0.1", 0);
        assertThat(immediate.takeReplies()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(1);
            assertThat(((GroupReply.Join) r).response().generationId()).isEqualTo(1);
        });
    }

    @Test
    void aSecondMemberTriggersARebalanceAndBothGetTheNextGeneration() {
        String a = stableGroupOf(1).get(0);
        long now = 50_000;
        String b = memberId(now);
        long joinB = join(b, now);
        assertThat(group.state()).isEqualTo(Group.State.PREPARING_REBALANCE);
        assertThat(group.rebalanceDeadlineMs()).isEqualTo(OptionalLong.of(now + REBALANCE_MS));
        assertThat(group.heartbeat(a, 1, now)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(joined(joinB)).as("waits for a to rejoin").isNull();

        long joinA = join(a, now + 100);

        assertThat(joined(joinA).generationId()).isEqualTo(2);
        assertThat(joined(joinB).generationId()).isEqualTo(2);
        assertThat(joined(joinA).leader()).as("the leader stays the leader").isEqualTo(a);
        assertThat(joined(joinA).members()).hasSize(2);
        assertThat(group.state()).isEqualTo(Group.State.COMPLETING_REBALANCE);
    }

    @Test
    void aMemberWhoseSessionExpiresIsRemovedAndTheOthersRebalance() {
        List<String> ab = stableGroupOf(2); // stable at 3_000, where both last heartbeated
        String a = ab.get(0);
        String b = ab.get(1);
        assertThat(group.heartbeat(a, 1, 9_000)).isEqualTo(Errors.NONE);

        group.tick(3_000 + SESSION_MS);
        assertThat(group.members()).as("not past the session timeout yet").hasSize(2);
        group.tick(3_000 + SESSION_MS + 1);

        assertThat(group.members()).extracting(m -> m.memberId).containsExactly(a);
        assertThat(group.state()).isEqualTo(Group.State.PREPARING_REBALANCE);
        assertThat(group.heartbeat(b, 1, 13_002)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(group.heartbeat(a, 1, 13_002)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        long rejoin = join(a, 13_003);
        assertThat(joined(rejoin).generationId()).isEqualTo(2);
        assertThat(joined(rejoin).members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId)
                .containsExactly(a);
    }

    @Test
    void aLeaveTriggersARebalanceAndTheLastLeaveEmptiesTheGroup() {
        List<String> ab = stableGroupOf(2);
        String a = ab.get(0);
        String b = ab.get(1);

        assertThat(group.leave(b, 4_000)).isEqualTo(Errors.NONE);
        assertThat(group.leave(b, 4_000)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(group.state()).isEqualTo(Group.State.PREPARING_REBALANCE);
        long rejoin = join(a, 4_100);
        assertThat(joined(rejoin).generationId()).isEqualTo(2);
        assertThat(group.state()).isEqualTo(Group.State.COMPLETING_REBALANCE);

        assertThat(group.leave(a, 5_000)).isEqualTo(Errors.NONE);
        assertThat(group.state()).isEqualTo(Group.State.EMPTY);
        assertThat(group.generationId()).isEqualTo(3);
        assertThat(group.leaderId()).isNull();
    }

    @Test
    void heartbeatsAnswerWithTheGroupsErrors() {
        String a = stableGroupOf(1).get(0);
        assertThat(group.heartbeat(a, 1, 4_000)).isEqualTo(Errors.NONE);
        assertThat(group.heartbeat(a, 0, 4_000)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(group.heartbeat("nobody", 1, 4_000)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        join(memberId(5_000), 5_000);
        assertThat(group.heartbeat(a, 1, 5_000)).as("current generation, but rebalancing")
                .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void theLeadersSyncGroupDistributesTheAssignments() {
        List<String> ab = joinedGroupOf(2);
        String a = ab.get(0);
        String b = ab.get(1);

        long syncB = sync(b, 1, Map.of(), 3_100);
        assertThat(synced(syncB)).as("waits for the leader").isNull();
        long syncA = sync(a, 1, Map.of(a, "p0", b, "p1"), 3_200);

        assertThat(group.state()).isEqualTo(Group.State.STABLE);
        assertThat(assignment(synced(syncA))).isEqualTo("p0");
        assertThat(assignment(synced(syncB))).isEqualTo("p1");
        assertThat(synced(syncA).protocolName()).isEqualTo("range");
        assertThat(assignment(synced(sync(b, 1, Map.of(), 3_300)))).as("a late SyncGroup in a stable group")
                .isEqualTo("p1");
    }

    @Test
    void syncGroupErrors() {
        List<String> ab = joinedGroupOf(2);
        String b = ab.get(1);
        assertThat(syncError(sync("nobody", 1, Map.of(), 3_100))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(syncError(sync(b, 0, Map.of(), 3_100))).isEqualTo(Errors.ILLEGAL_GENERATION);

        long waiting = sync(b, 1, Map.of(), 3_100);
        join(memberId(3_200), 3_200);
        assertThat(syncError(waiting)).as("a new rebalance answers waiting syncs")
                .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(syncError(sync(b, 1, Map.of(), 3_300))).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void membersThatDoNotRejoinBeforeTheRebalanceTimeoutAreRemoved() {
        List<String> ab = stableGroupOf(2);
        String a = ab.get(0);
        String b = ab.get(1);
        long start = 4_000;
        String c = memberId(start);
        long joinC = join(c, start);
        long joinA = join(a, start + 10);
        for (long t = start; t < start + REBALANCE_MS; t += 5_000) {
            assertThat(group.heartbeat(b, 1, t)).isEqualTo(Errors.REBALANCE_IN_PROGRESS); // alive, but never rejoins
            group.tick(t);
        }
        group.tick(start + REBALANCE_MS - 1);
        assertThat(joined(joinA)).isNull();

        group.tick(start + REBALANCE_MS);

        assertThat(joined(joinA).generationId()).isEqualTo(2);
        assertThat(joined(joinC).generationId()).isEqualTo(2);
        assertThat(joined(joinA).members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId)
                .containsExactly(a, c);
        assertThat(group.heartbeat(b, 2, start + REBALANCE_MS)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aMemberWaitingInJoinGroupDoesNotExpire() {
        List<String> ab = stableGroupOf(2);
        long joinA = join(ab.get(0), 4_000); // then waits for b, longer than its session timeout
        for (long t = 4_000; t <= 4_000 + SESSION_MS + 1_000; t += 1_000) {
            group.heartbeat(ab.get(1), 1, t);
            group.tick(t);
        }
        assertThat(group.members()).hasSize(2);
        assertThat(joined(joinA)).isNull();
    }

    @Test
    void aSecondJoinFromTheSameMemberAnswersTheFirstWithUnknownMemberId() {
        String a = memberId(0);
        long first = join(a, 0);
        long second = join(a, 100);
        assertThat(Errors.forCode(joined(first).errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        group.tick(INITIAL_DELAY_MS);
        assertThat(joined(second).generationId()).isEqualTo(1);
    }

    @Test
    void joinGroupRefusesBadSessionTimeoutsAndForeignProtocols() {
        JoinGroupRequestData tooShort = request("", "consumer", "range").setSessionTimeoutMs(999);
        group.join(++requestIds, tooShort, VERSION, "client", "/127.0.0.1", 0);
        assertThat(Errors.forCode(joined(requestIds).errorCode())).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);

        stableGroupOf(1);
        assertThat(Errors.forCode(joined(join("", 4_000, VERSION, "connect", "range")).errorCode()))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(Errors.forCode(joined(join("", 4_000, VERSION, "consumer", "roundrobin")).errorCode()))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
    }

    @Test
    void offsetCommitsComeFromTheCurrentGenerationOutsideRebalances() {
        assertThat(group.checkCommit(-1, "", 0)).as("an empty group takes commits from anyone").isEqualTo(Errors.NONE);
        List<String> ab = joinedGroupOf(2);
        String a = ab.get(0);
        assertThat(group.checkCommit(1, a, 3_100)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        sync(a, 1, Map.of(), 3_100);
        assertThat(group.checkCommit(1, a, 3_200)).isEqualTo(Errors.NONE);
        assertThat(group.checkCommit(0, a, 3_200)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(group.checkCommit(1, "nobody", 3_200)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(group.checkCommit(-1, "", 3_200)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void abandoningTheGroupAnswersEveryWaitingRequest() {
        List<String> ab = joinedGroupOf(2);
        long waitingSync = sync(ab.get(1), 1, Map.of(), 3_100);
        String c = memberId(3_200);
        long waitingJoin = join(c, 3_200);
        assertThat(syncError(waitingSync)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

        group.abandon(Errors.NOT_COORDINATOR);

        assertThat(Errors.forCode(joined(waitingJoin).errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(group.rebalanceDeadlineMs()).isEmpty();
    }

    // ---- helpers ----

    /** A new member id, handed out with MEMBER_ID_REQUIRED. */
    private String memberId(long nowMs) {
        return joined(join("", nowMs)).memberId();
    }

    /** Members that joined at 0 and got generation 1 at the end of the initial delay (3_000). */
    @Test
    void subscribedTopicsAreReadFromTheMembersConsumerSubscriptions() {
        Group consumers = new Group("s", 0, () -> "x");
        assertThat(consumers.subscribedTopics()).as("no protocol chosen yet").isEmpty();
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(
                org.apache.kafka.common.utils.Utils.toArray(ConsumerProtocol.serializeSubscription(
                        new ConsumerPartitionAssignor.Subscription(List.of("orders", "payments"))))));
        consumers.join(1, new JoinGroupRequestData().setGroupId("s").setMemberId("").setProtocolType("consumer")
                .setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(REBALANCE_MS).setProtocols(protocols),
                (short) 3, "client", "/127.0.0.1", 0);
        consumers.tick(0);
        assertThat(consumers.state()).isEqualTo(Group.State.COMPLETING_REBALANCE);
        assertThat(consumers.subscribedTopics()).hasValue(java.util.Set.of("orders", "payments"));

        // Metadata that is no consumer subscription tells nothing: every topic counts as consumed.
        joinedGroupOf(1);
        assertThat(group.subscribedTopics()).isEmpty();
    }

    @Test
    void aCompletedRebalanceAndAnEmptiedGroupAreRecordedAndNothingInBetween() {
        List<String> ids = joinedGroupOf(2);
        assertThat(group.takeRecord()).as("CompletingRebalance is not recorded").isEmpty();
        sync(ids.get(0), 1, Map.of(ids.get(0), "A", ids.get(1), "B"), INITIAL_DELAY_MS);
        GroupMetadataValue stable = group.takeRecord().orElseThrow();
        assertThat(stable.generation()).isEqualTo(1);
        assertThat(stable.protocolType()).isEqualTo("consumer");
        assertThat(stable.protocol()).isEqualTo("range");
        assertThat(stable.leader()).isEqualTo(ids.get(0));
        assertThat(stable.members()).extracting(GroupMetadataValue.MemberMetadata::memberId).containsExactlyElementsOf(ids);
        assertThat(new String(stable.members().get(1).assignment(), StandardCharsets.UTF_8)).isEqualTo("B");
        assertThat(new String(stable.members().get(1).subscription(), StandardCharsets.UTF_8))
                .isEqualTo("meta-" + ids.get(1));
        assertThat(stable.members().get(0).sessionTimeout()).isEqualTo(SESSION_MS);
        assertThat(stable.members().get(0).rebalanceTimeout()).isEqualTo(REBALANCE_MS);
        assertThat(group.takeRecord()).as("taken once").isEmpty();

        group.leave(ids.get(0), INITIAL_DELAY_MS);
        assertThat(group.takeRecord()).as("PreparingRebalance is not recorded").isEmpty();
        group.leave(ids.get(1), INITIAL_DELAY_MS);
        GroupMetadataValue empty = group.takeRecord().orElseThrow();
        assertThat(empty.members()).isEmpty();
        assertThat(empty.generation()).isEqualTo(group.generationId());
        assertThat(empty.protocol()).isNull();
    }

    @Test
    void aRestoredGroupCarriesOnAtItsGenerationAndExpiresMembersThatDoNotComeBack() {
        List<String> ids = joinedGroupOf(2);
        sync(ids.get(0), 1, Map.of(ids.get(0), "A", ids.get(1), "B"), INITIAL_DELAY_MS);
        GroupMetadataValue recorded = group.takeRecord().orElseThrow();

        long takeover = 100_000;
        Group restored = Group.restore("g", recorded, INITIAL_DELAY_MS, () -> "new", takeover);
        assertThat(restored.state()).isEqualTo(Group.State.STABLE);
        assertThat(restored.generationId()).isEqualTo(1);
        assertThat(restored.leaderId()).isEqualTo(ids.get(0));
        assertThat(restored.protocolName()).isEqualTo("range");
        assertThat(restored.heartbeat(ids.get(0), 1, takeover + 1_000)).isEqualTo(Errors.NONE);
        assertThat(restored.checkCommit(1, ids.get(0), takeover + 1_000)).isEqualTo(Errors.NONE);
        assertThat(restored.heartbeat(ids.get(0), 0, takeover + 1_000)).isEqualTo(Errors.ILLEGAL_GENERATION);
        restored.sync(1, new SyncGroupRequestData().setGroupId("g").setMemberId(ids.get(1)).setGenerationId(1),
                takeover + 1_000);
        GroupReply.Sync again = (GroupReply.Sync) restored.takeReplies().get(0);
        assertThat(new String(again.response().assignment(), StandardCharsets.UTF_8)).isEqualTo("B");

        // The first member keeps heartbeating; the second never comes back and expires.
        restored.heartbeat(ids.get(0), 1, takeover + SESSION_MS);
        restored.tick(takeover + 1_000 + SESSION_MS + 1);
        assertThat(restored.members()).extracting(m -> m.memberId).containsExactly(ids.get(0));
        assertThat(restored.state()).isEqualTo(Group.State.PREPARING_REBALANCE);
    }

    @Test
    void anEmptyRecordRestoresAnEmptyGroupThatKeepsItsGeneration() {
        GroupMetadataValue empty = new GroupMetadataValue().setProtocolType("consumer").setGeneration(7)
                .setProtocol(null).setLeader(null).setMembers(List.of());
        Group restored = Group.restore("g", empty, 0, () -> "x", 0);
        assertThat(restored.state()).isEqualTo(Group.State.EMPTY);
        assertThat(restored.generationId()).isEqualTo(7);
        restored.join(1, request("", "consumer", "range"), (short) 3, "client", "/127.0.0.1", 0);
        restored.tick(0);
        JoinGroupResponseData answer = ((GroupReply.Join) restored.takeReplies().get(0)).response();
        assertThat(answer.generationId()).isEqualTo(8);
    }

    // ---- static membership (KIP-345) ----

    /** Two static members, instances "i-a" (the leader) and "i-b", Stable at generation 1 with assignments A and B. */
    private List<String> stableStaticGroup() {
        long ja = staticJoin("", "i-a", "sub", VERSION, 0);
        long jb = staticJoin("", "i-b", "sub", VERSION, 0);
        group.tick(INITIAL_DELAY_MS);
        String a = joined(ja).memberId();
        String b = joined(jb).memberId();
        assertThat(joined(ja).generationId()).isEqualTo(1);
        sync(a, 1, Map.of(a, "A", b, "B"), INITIAL_DELAY_MS);
        assertThat(group.state()).isEqualTo(Group.State.STABLE);
        group.takeRecord();
        return List.of(a, b);
    }

    @Test
    void aNewStaticMemberJoinsWithoutMemberIdRequired() {
        JoinGroupResponseData answer = joinedAfterDelay(staticJoin("", "i-a", "sub", VERSION, 0));
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.NONE);
        assertThat(answer.memberId()).isEqualTo("client-m1");
    }

    @Test
    void aRestartedStaticMemberGetsItsAssignmentBackWithoutARebalance() {
        List<String> ids = stableStaticGroup();
        long rejoin = staticJoin("", "i-b", "sub", VERSION, 5_000);
        JoinGroupResponseData answer = joined(rejoin);
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.NONE);
        assertThat(answer.generationId()).isEqualTo(1);
        assertThat(answer.memberId()).isNotEqualTo(ids.get(1));
        assertThat(answer.leader()).isEqualTo(ids.get(0));
        assertThat(answer.skipAssignment()).isFalse();
        assertThat(group.state()).as("no rebalance").isEqualTo(Group.State.STABLE);
        assertThat(group.generationId()).isEqualTo(1);
        assertThat(group.takeRecord().orElseThrow().members())
                .extracting(GroupMetadataValue.MemberMetadata::memberId).containsExactly(ids.get(0), answer.memberId());

        assertThat(assignment(synced(syncWithInstance(answer.memberId(), "i-b", 1)))).isEqualTo("B");
        assertThat(group.heartbeat(ids.get(0), "i-a", 1, 5_000)).isEqualTo(Errors.NONE);
        // The old process, if it still runs, is fenced.
        assertThat(group.heartbeat(ids.get(1), "i-b", 1, 5_000)).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(group.checkCommit(1, ids.get(1), "i-b", 5_000)).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(Errors.forCode(joined(staticJoin(ids.get(1), "i-b", "sub", VERSION, 5_000)).errorCode()))
                .isEqualTo(Errors.FENCED_INSTANCE_ID);
    }

    @Test
    void aRestartedStaticLeaderIsToldToSkipTheAssignment() {
        List<String> ids = stableStaticGroup();
        JoinGroupResponseData answer = joined(staticJoin("", "i-a", "sub", VERSION, 5_000));
        assertThat(answer.leader()).isEqualTo(answer.memberId());
        assertThat(answer.skipAssignment()).isTrue();
        assertThat(answer.members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::groupInstanceId)
                .containsExactlyInAnyOrder("i-a", "i-b");
        assertThat(group.state()).isEqualTo(Group.State.STABLE);
        assertThat(assignment(synced(syncWithInstance(answer.memberId(), "i-a", 1)))).isEqualTo("A");
        assertThat(group.heartbeat(ids.get(1), "i-b", 1, 5_000)).isEqualTo(Errors.NONE);
    }

    @Test
    void aStaticMemberThatRestartsWithOtherMetadataKeepsItsPlaceAndMidRebalanceRejoinsIt() {
        // A restarted consumer's subscription differs (it owns nothing yet): no rebalance, as in Kafka.
        stableStaticGroup();
        assertThat(Errors.forCode(joined(staticJoin("", "i-b", "owns-nothing", VERSION, 5_000)).errorCode()))
                .isEqualTo(Errors.NONE);
        assertThat(group.state()).isEqualTo(Group.State.STABLE);

        // While a rebalance is under way, a restarted static member rejoins it like any member.
        List<String> ids = group.members().stream().map(m -> m.memberId).toList();
        group.leave(ids.get(1), "i-b", 5_000);
        assertThat(group.state()).isEqualTo(Group.State.PREPARING_REBALANCE);
        long rejoin = staticJoin("", "i-a", "sub", VERSION, 5_000);
        // It is the only member left, so its rejoin completes the rebalance.
        assertThat(joined(rejoin).generationId()).isEqualTo(2);
        assertThat(joined(rejoin).memberId()).isNotEqualTo(ids.get(0));
        assertThat(group.heartbeat(ids.get(0), "i-a", 2, 5_000)).isEqualTo(Errors.FENCED_INSTANCE_ID);
    }

    @Test
    void staticMembersLeaveByInstanceIdAsAdminsRemoveMembersDoes() {
        List<String> ids = stableStaticGroup();
        assertThat(group.leave("", "i-unknown", 5_000)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(group.leave("someone-else", "i-b", 5_000)).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(group.members()).hasSize(2);
        assertThat(group.leave("", "i-b", 5_000)).isEqualTo(Errors.NONE);
        assertThat(group.members()).extracting(m -> m.memberId).containsExactly(ids.get(0));
        assertThat(group.state()).isEqualTo(Group.State.PREPARING_REBALANCE);
        assertThat(group.leave(ids.get(0), "i-a", 5_000)).isEqualTo(Errors.NONE);
        assertThat(group.state()).isEqualTo(Group.State.EMPTY);
        // The instance is free again: it joins as a new member.
        long rejoin = staticJoin("", "i-b", "sub", VERSION, 6_000);
        group.tick(6_000 + INITIAL_DELAY_MS);
        assertThat(Errors.forCode(joined(rejoin).errorCode())).isEqualTo(Errors.NONE);
        assertThat(joined(rejoin).generationId()).isEqualTo(group.generationId());
    }

    @Test
    void aRestoredGroupKnowsItsStaticMembers() {
        stableStaticGroup();
        sync(group.members().iterator().next().memberId, 1, Map.of(), INITIAL_DELAY_MS);
        GroupMetadataValue recorded = new GroupMetadataValue().setProtocolType("consumer").setGeneration(1)
                .setProtocol("range").setLeader("old-a").setMembers(List.of(
                        new GroupMetadataValue.MemberMetadata().setMemberId("old-a").setGroupInstanceId("i-a")
                                .setClientId("client").setClientHost("/h").setSessionTimeout(SESSION_MS)
                                .setRebalanceTimeout(REBALANCE_MS).setSubscription(bytes("sub")).setAssignment(bytes("A"))));
        Group restored = Group.restore("g", recorded, 0, () -> "new", 0);
        restored.join(1, request("", "consumer", "range").setGroupInstanceId("i-a").setProtocols(protocols("sub")),
                VERSION, "client", "/h", 1_000);
        JoinGroupResponseData answer = ((GroupReply.Join) restored.takeReplies().get(0)).response();
        assertThat(answer.generationId()).isEqualTo(1);
        assertThat(answer.memberId()).isEqualTo("client-new");
        assertThat(restored.state()).isEqualTo(Group.State.STABLE);
        assertThat(restored.heartbeat("old-a", "i-a", 1, 1_000)).isEqualTo(Errors.FENCED_INSTANCE_ID);
    }

    private long staticJoin(String memberId, String instanceId, String subscription, short version, long nowMs) {
        long id = ++requestIds;
        group.join(id, request(memberId, "consumer", "range").setGroupInstanceId(instanceId)
                .setProtocols(protocols(subscription)), version, "client", "/127.0.0.1", nowMs);
        return id;
    }

    private static JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols(String subscription) {
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(bytes(subscription)));
        return protocols;
    }

    private JoinGroupResponseData joinedAfterDelay(long requestId) {
        group.tick(INITIAL_DELAY_MS);
        return joined(requestId);
    }

    private long syncWithInstance(String memberId, String instanceId, int generation) {
        long id = ++requestIds;
        group.sync(id, new SyncGroupRequestData().setGroupId("g").setMemberId(memberId).setGroupInstanceId(instanceId)
                .setGenerationId(generation), 5_000);
        return id;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> joinedGroupOf(int size) {
        List<String> ids = new java.util.ArrayList<>();
        List<Long> requests = new java.util.ArrayList<>();
        for (int i = 0; i < size; i++) {
            ids.add(memberId(0));
            requests.add(join(ids.get(i), 0));
        }
        group.tick(INITIAL_DELAY_MS);
        for (long r : requests) assertThat(joined(r).generationId()).isEqualTo(1);
        return ids;
    }

    /** {@link #joinedGroupOf} and then the leader's SyncGroup, all at 3_000. */
    private List<String> stableGroupOf(int size) {
        List<String> ids = joinedGroupOf(size);
        sync(ids.get(0), 1, Map.of(), INITIAL_DELAY_MS);
        assertThat(group.state()).isEqualTo(Group.State.STABLE);
        return ids;
    }

    private long join(String memberId, long nowMs) {
        return join(memberId, nowMs, VERSION, "consumer", "range");
    }

    private long join(String memberId, long nowMs, short version, String protocolType, String protocol) {
        long id = ++requestIds;
        group.join(id, request(memberId, protocolType, protocol), version, "client", "/127.0.0.1", nowMs);
        return id;
    }

    private static JoinGroupRequestData request(String memberId, String protocolType, String protocol) {
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName(protocol)
                .setMetadata(("meta-" + memberId).getBytes(StandardCharsets.UTF_8)));
        return new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setProtocolType(protocolType)
                .setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(REBALANCE_MS).setProtocols(protocols);
    }

    private long sync(String memberId, int generation, Map<String, String> assignments, long nowMs) {
        long id = ++requestIds;
        SyncGroupRequestData in = new SyncGroupRequestData().setGroupId("g").setMemberId(memberId)
                .setGenerationId(generation);
        assignments.forEach((member, assignment) -> in.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment()
                .setMemberId(member).setAssignment(assignment.getBytes(StandardCharsets.UTF_8))));
        group.sync(id, in, nowMs);
        return id;
    }

    /** The answer to a JoinGroup, or null while it waits. */
    private JoinGroupResponseData joined(long requestId) {
        collectReplies();
        return joins.get(requestId);
    }

    /** The answer to a SyncGroup, or null while it waits. */
    private SyncGroupResponseData synced(long requestId) {
        collectReplies();
        return syncs.get(requestId);
    }

    private Errors syncError(long requestId) {
        return Errors.forCode(synced(requestId).errorCode());
    }

    private static String assignment(SyncGroupResponseData response) {
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        return new String(response.assignment(), StandardCharsets.UTF_8);
    }

    /** Every request is answered exactly once. */
    private void collectReplies() {
        for (GroupReply reply : group.takeReplies()) {
            if (reply instanceof GroupReply.Join j) {
                assertThat(joins.put(j.requestId(), j.response())).as("answered twice: %s", j.requestId()).isNull();
            } else if (reply instanceof GroupReply.Sync s) {
                assertThat(syncs.put(s.requestId(), s.response())).as("answered twice: %s", s.requestId()).isNull();
            }
        }
    }
}
