package io.weir.group.consumer;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * KIP-848's consumer protocol as {@link ConsumerGroup} decides it, heartbeat by heartbeat with
 * the time passed in. Each simulated member owns exactly what the last answer gave it, as the
 * Java client does after reconciling.
 */
class ConsumerGroupTest {
    private static final Uuid WORK = new Uuid(1, 1);
    private static final int SESSION_MS = 45_000;
    private final Map<String, ConsumerGroup.Topic> topics = new HashMap<>(Map.of("work", new ConsumerGroup.Topic(WORK, "work", 6)));
    private int ids;
    private final ConsumerGroup group = new ConsumerGroup("g", List.of(new UniformAssignor(), new RangeAssignor()),
            UniformAssignor.NAME, SESSION_MS, 5_000, () -> "m" + ++ids);

    /** A simulated client: its id, epoch and what it owns. */
    private final class Client {
        String memberId = "";
        int epoch;
        Set<Integer> owned = new HashSet<>();
        final String instanceId;

        Client(String instanceId) {
            this.instanceId = instanceId;
        }

        ConsumerGroupHeartbeatResponseData heartbeat(long nowMs) {
            ConsumerGroupHeartbeatRequestData in = new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                    .setMemberId(memberId).setMemberEpoch(epoch).setInstanceId(instanceId)
                    .setRebalanceTimeoutMs(epoch == 0 ? 30_000 : -1)
                    .setSubscribedTopicNames(epoch == 0 ? List.of("work") : null)
                    .setTopicPartitions(List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                            .setTopicId(WORK).setPartitions(new ArrayList<>(owned))));
            ConsumerGroupHeartbeatResponseData out = group.heartbeat(in, "client", "/127.0.0.1", nowMs,
                    name -> Optional.ofNullable(topics.get(name)));
            if (out.errorCode() == Errors.NONE.code()) {
                memberId = out.memberId();
                epoch = out.memberEpoch();
                if (out.assignment() != null) {
                    owned = new HashSet<>();
                    out.assignment().topicPartitions().forEach(t -> owned.addAll(t.partitions()));
                }
            }
            return out;
        }

        ConsumerGroupHeartbeatResponseData leave(int leaveEpoch, long nowMs) {
            return group.heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId)
                    .setInstanceId(instanceId).setMemberEpoch(leaveEpoch), "client", "/h", nowMs, name -> Optional.empty());
        }
    }

    /** Heartbeats every client round after round until the group is Stable; asserts no partition is ever owned twice. */
    private void settle(List<Client> clients, long nowMs) {
        for (int round = 0; round < 10 && (round == 0 || group.state() != ConsumerGroup.State.STABLE); round++) {
            for (Client c : clients) {
                assertThat(Errors.forCode(c.heartbeat(nowMs).errorCode())).isEqualTo(Errors.NONE);
                assertNoPartitionOwnedTwice(clients);
            }
        }
        assertThat(group.state()).isEqualTo(ConsumerGroup.State.STABLE);
    }

    private static void assertNoPartitionOwnedTwice(List<Client> clients) {
        Set<Integer> seen = new HashSet<>();
        for (Client c : clients) for (int p : c.owned) assertThat(seen.add(p)).as("partition %d owned twice", p).isTrue();
    }

    @Test
    void membersJoinOneByOneAndPartitionsMoveOnlyAfterTheyAreRevoked() {
        Client a = new Client(null);
        ConsumerGroupHeartbeatResponseData first = a.heartbeat(0);
        assertThat(first.memberId()).isEqualTo("m1");
        assertThat(first.memberEpoch()).isEqualTo(1);
        assertThat(a.owned).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
        assertThat(group.state()).isEqualTo(ConsumerGroup.State.STABLE);

        Client b = new Client(null);
        b.heartbeat(0);
        assertThat(b.epoch).isEqualTo(2);
        assertThat(b.owned).as("its partitions are still a's").isEmpty();
        assertThat(group.state()).isEqualTo(ConsumerGroup.State.RECONCILING);
        a.heartbeat(0);
        assertThat(a.epoch).as("revoking: the epoch waits").isEqualTo(1);
        assertThat(a.owned).hasSize(3);
        b.heartbeat(0);
        assertThat(b.owned).as("not released until a's next heartbeat shows it revoked them").isEmpty();
        a.heartbeat(0);
        assertThat(a.epoch).isEqualTo(2);
        b.heartbeat(0);
        assertThat(b.owned).as("released now").hasSize(3);

        Client c = new Client(null);
        settle(List.of(a, b, c), 0);
        assertThat(List.of(a.owned, b.owned, c.owned)).allSatisfy(o -> assertThat(o).hasSize(2));
        assertThat(List.of(a.epoch, b.epoch, c.epoch)).containsOnly(group.groupEpoch());
    }

    @Test
    void aMemberThatLeavesHasItsPartitionsSharedAndTheOthersKeepTheirs() {
        Client a = new Client(null);
        Client b = new Client(null);
        Client c = new Client(null);
        settle(List.of(a, b, c), 0);
        Set<Integer> aHad = Set.copyOf(a.owned);
        Set<Integer> bHad = Set.copyOf(b.owned);
        ConsumerGroupHeartbeatResponseData left = c.leave(ConsumerGroup.LEAVE_EPOCH, 1_000);
        assertThat(left.memberEpoch()).isEqualTo(-1);
        assertThat(group.members()).hasSize(2);
        settle(List.of(a, b), 1_000);
        assertThat(a.owned).hasSize(3).containsAll(aHad);
        assertThat(b.owned).hasSize(3).containsAll(bHad);
    }

    @Test
    void sessionsExpireAndStaleEpochsAreFenced() {
        Client a = new Client(null);
        Client b = new Client(null);
        settle(List.of(a, b), 0);
        int epoch = a.epoch;
        assertThat(Errors.forCode(group.heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                .setMemberId(a.memberId).setMemberEpoch(epoch + 5), "c", "/h", 0, n -> Optional.empty()).errorCode()))
                .isEqualTo(Errors.FENCED_MEMBER_EPOCH);
        assertThat(group.checkCommit(a.memberId, epoch)).isEqualTo(Errors.NONE);
        assertThat(group.checkCommit(a.memberId, epoch + 5)).isEqualTo(Errors.STALE_MEMBER_EPOCH);
        assertThat(group.checkCommit("nobody", epoch)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        a.heartbeat(SESSION_MS);
        group.tick(SESSION_MS + 1);
        assertThat(group.members()).extracting(m -> m.memberId).containsExactly(a.memberId);
        settle(List.of(a), SESSION_MS + 1);
        assertThat(a.owned).hasSize(6);
        assertThat(Errors.forCode(b.heartbeat(SESSION_MS + 1).errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aStaticMemberThatLeavesForAWhileComesBackToItsPartitionsWithoutANewEpoch() {
        Client a = new Client("i-a");
        Client b = new Client("i-b");
        settle(List.of(a, b), 0);
        int epoch = group.groupEpoch();
        Set<Integer> bHad = Set.copyOf(b.owned);

        b.leave(ConsumerGroup.LEAVE_STATIC_EPOCH, 1_000);
        Client restarted = new Client("i-b");
        Client intruder = new Client("i-a");
        assertThat(Errors.forCode(intruder.heartbeat(1_500).errorCode()))
                .as("i-a did not leave: its instance is not free").isEqualTo(Errors.UNRELEASED_INSTANCE_ID);
        ConsumerGroupHeartbeatResponseData back = restarted.heartbeat(2_000);
        assertThat(Errors.forCode(back.errorCode())).isEqualTo(Errors.NONE);
        assertThat(restarted.owned).isEqualTo(bHad);
        assertThat(group.groupEpoch()).as("no rebalance").isEqualTo(epoch);
        assertThat(group.state()).isEqualTo(ConsumerGroup.State.STABLE);
    }

    @Test
    void theRangeAssignorIsUsedWhenMembersAskForIt() {
        ConsumerGroupHeartbeatResponseData out = group.heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                .setMemberEpoch(0).setRebalanceTimeoutMs(1000).setSubscribedTopicNames(List.of("work"))
                .setServerAssignor("range").setTopicPartitions(List.of()), "c", "/h", 0, n -> Optional.ofNullable(topics.get(n)));
        assertThat(out.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(group.assignorName()).isEqualTo("range");
        ConsumerGroupHeartbeatResponseData unknown = group.heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                .setMemberEpoch(0).setRebalanceTimeoutMs(1000).setSubscribedTopicNames(List.of("work"))
                .setServerAssignor("sticky"), "c", "/h", 0, n -> Optional.ofNullable(topics.get(n)));
        assertThat(Errors.forCode(unknown.errorCode())).isEqualTo(Errors.UNSUPPORTED_ASSIGNOR);
    }

    @Test
    void aTopicThatAppearsOrGrowsStartsANewEpoch() {
        topics.clear();
        Client a = new Client(null);
        a.heartbeat(0);
        assertThat(a.owned).isEmpty();
        int epoch = group.groupEpoch();
        topics.put("work", new ConsumerGroup.Topic(WORK, "work", 2));
        a.heartbeat(100);
        assertThat(group.groupEpoch()).isEqualTo(epoch + 1);
        assertThat(a.owned).containsExactlyInAnyOrder(0, 1);
        topics.put("work", new ConsumerGroup.Topic(WORK, "work", 3));
        a.heartbeat(200);
        assertThat(a.owned).containsExactlyInAnyOrder(0, 1, 2);
    }

    private ConsumerGroupHeartbeatResponseData regexHeartbeat(String memberId, int epoch, String regex, long nowMs,
                                                              Set<String> names) {
        return group.heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId)
                        .setMemberEpoch(epoch).setRebalanceTimeoutMs(epoch == 0 ? 30_000 : -1)
                        .setSubscribedTopicNames(epoch == 0 ? List.of() : null).setSubscribedTopicRegex(regex),
                "c", "/h", nowMs, n -> Optional.ofNullable(topics.get(n)), () -> names);
    }

    private static Set<Uuid> topicIds(ConsumerGroupHeartbeatResponseData out) {
        Set<Uuid> ids = new HashSet<>();
        out.assignment().topicPartitions().forEach(t -> ids.add(t.topicId()));
        return ids;
    }

    @Test
    void aRegexSubscriptionTakesTheMatchingTopicsAndTopicsThatAppearLater() {
        Uuid workB = new Uuid(2, 2);
        Uuid other = new Uuid(3, 3);
        topics.put("work-b", new ConsumerGroup.Topic(workB, "work-b", 2));
        topics.put("other", new ConsumerGroup.Topic(other, "other", 2));
        Set<String> names = Set.of("work", "work-b", "other", "__consumer_offsets");
        ConsumerGroupHeartbeatResponseData joined = regexHeartbeat("", 0, "work.*", 0, names);
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        assertThat(topicIds(joined)).containsExactlyInAnyOrder(WORK, workB);
        assertThat(group.subscribedTopicNames()).containsExactlyInAnyOrder("work", "work-b");
        int epoch = group.groupEpoch();

        // The same names (the same set): nothing changes.
        ConsumerGroupHeartbeatResponseData same = regexHeartbeat(joined.memberId(), joined.memberEpoch(), null, 100, names);
        assertThat(group.groupEpoch()).isEqualTo(epoch);
        assertThat(same.assignment()).isNull();

        Uuid workC = new Uuid(4, 4);
        topics.put("work-c", new ConsumerGroup.Topic(workC, "work-c", 1));
        Set<String> later = Set.of("work", "work-b", "work-c", "other", "__consumer_offsets");
        ConsumerGroupHeartbeatResponseData grown = regexHeartbeat(joined.memberId(), joined.memberEpoch(), null, 200, later);
        assertThat(group.groupEpoch()).isEqualTo(epoch + 1);
        assertThat(topicIds(grown)).containsExactlyInAnyOrder(WORK, workB, workC);

        // An empty regex removes it: the member subscribes to nothing.
        ConsumerGroupHeartbeatResponseData dropped = regexHeartbeat(grown.memberId(), grown.memberEpoch(), "", 300, later);
        assertThat(group.subscribedTopicNames()).isEmpty();
        assertThat(dropped.assignment().topicPartitions()).isEmpty();
    }

    @Test
    void anInvalidRegexIsRefused() {
        ConsumerGroupHeartbeatResponseData out = regexHeartbeat("", 0, "work(", 0, Set.of("work"));
        assertThat(Errors.forCode(out.errorCode())).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION);
        assertThat(group.isEmpty()).isTrue();

        ConsumerGroupHeartbeatResponseData backreference = regexHeartbeat("", 0, "(work)\\1", 0, Set.of("workwork"));
        assertThat(Errors.forCode(backreference.errorCode())).as("RE2J syntax, as Kafka's")
                .isEqualTo(Errors.INVALID_REGULAR_EXPRESSION);
    }

    @Test
    void aPatternThatMakesBacktrackingEnginesSpinMatchesInLinearTime() {
        // Java's java.util.regex takes exponential time on this pair (minutes at 40 characters).
        String name = "a".repeat(40);
        ConsumerGroupHeartbeatResponseData joined = assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                () -> regexHeartbeat("", 0, "(a|aa)+b", 0, Set.of(name, "ab")));
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        assertThat(joined.assignment() == null ? List.of() : joined.assignment().topicPartitions())
                .as("only the matching topic").hasSizeLessThanOrEqualTo(1);
    }
}
