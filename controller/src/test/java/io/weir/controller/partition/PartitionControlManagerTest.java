package io.weir.controller.partition;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.Fixtures;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.image.PartitionRegistration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PartitionControlManagerTest {
    private final Fixtures f = new Fixtures();
    private final PartitionControlManager manager = new PartitionControlManager();
    private UUID topicId;

    @BeforeEach
    void topicOnThreeBrokers() {
        f.addLiveBroker(1, null);
        f.addLiveBroker(2, null);
        f.addLiveBroker(3, null);
        topicId = f.createTopic("t", 1, 3).topicId();
    }

    private PartitionRegistration p() {
        return f.image.topic(topicId).orElseThrow().partition(0);
    }

    private AlterPartitionRequest shrinkTo(List<Integer> isr, int partitionEpoch) {
        PartitionRegistration p = p();
        return new AlterPartitionRequest(p.leader(), f.image.broker(p.leader()).orElseThrow().epoch(),
            topicId, 0, p.leaderEpoch(), isr, partitionEpoch);
    }

    @Test
    void theLeaderShrinksAndExpandsTheIsr() {
        int leader = p().leader();
        int follower = p().replicas().stream().filter(r -> r != leader).findFirst().orElseThrow();
        AlterPartitionReply shrunk = f.apply(manager.alterPartition(f.image,
            shrinkTo(List.of(leader), p().partitionEpoch())));
        assertThat(shrunk.status()).isEqualTo(ApiStatus.OK);
        assertThat(p().isr()).containsExactly(leader);
        assertThat(p().partitionEpoch()).isEqualTo(1);
        assertThat(p().leaderEpoch()).isZero();

        AlterPartitionReply grown = f.apply(manager.alterPartition(f.image,
            shrinkTo(List.of(leader, follower), p().partitionEpoch())));
        assertThat(grown.isr()).containsExactly(leader, follower);
        assertThat(grown.partitionEpoch()).isEqualTo(2);
    }

    @Test
    void aStalePartitionEpochIsRejectedWithInvalidUpdateVersion() {
        int leader = p().leader();
        f.apply(manager.alterPartition(f.image, shrinkTo(List.of(leader), 0)));
        AlterPartitionReply stale = f.apply(manager.alterPartition(f.image,
            shrinkTo(List.of(leader, p().replicas().get(1)), 0)));
        assertThat(stale.status().error()).isEqualTo(ApiError.INVALID_UPDATE_VERSION);
        assertThat(p().isr()).containsExactly(leader);
    }

    @Test
    void onlyTheCurrentLeaderInItsEpochMayAlterTheIsr() {
        PartitionRegistration p = p();
        int follower = p.replicas().get(1);
        AlterPartitionReply notLeader = f.apply(manager.alterPartition(f.image,
            new AlterPartitionRequest(follower, f.image.broker(follower).orElseThrow().epoch(),
                topicId, 0, p.leaderEpoch(), List.of(follower), p.partitionEpoch())));
        assertThat(notLeader.status().error()).isEqualTo(ApiError.NOT_LEADER_OR_FOLLOWER);
        AlterPartitionReply oldEpoch = f.apply(manager.alterPartition(f.image,
            new AlterPartitionRequest(p.leader(), f.image.broker(p.leader()).orElseThrow().epoch(),
                topicId, 0, p.leaderEpoch() - 1, List.of(p.leader()), p.partitionEpoch())));
        assertThat(oldEpoch.status().error()).isEqualTo(ApiError.FENCED_LEADER_EPOCH);
        AlterPartitionReply staleBroker = f.apply(manager.alterPartition(f.image,
            new AlterPartitionRequest(p.leader(), 0, topicId, 0, p.leaderEpoch(),
                List.of(p.leader()), p.partitionEpoch())));
        assertThat(staleBroker.status().error()).isEqualTo(ApiError.STALE_BROKER_EPOCH);
    }

    @Test
    void aFencedReplicaCannotJoinTheIsr() {
        int leader = p().leader();
        int follower = p().replicas().stream().filter(r -> r != leader).findFirst().orElseThrow();
        f.apply(manager.alterPartition(f.image, shrinkTo(List.of(leader), 0)));
        f.apply(f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(follower,
            f.image.broker(follower).orElseThrow().epoch(), 0, true, false), 0));
        AlterPartitionReply r = f.apply(manager.alterPartition(f.image,
            shrinkTo(List.of(leader, follower), p().partitionEpoch())));
        assertThat(r.status().error()).isEqualTo(ApiError.INELIGIBLE_REPLICA);
    }

    @Test
    void preferredElectionMovesLeadershipBackToTheFirstReplica() {
        int preferred = p().preferredLeader();
        f.apply(f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(preferred,
            f.image.broker(preferred).orElseThrow().epoch(), 0, true, false), 0));
        assertThat(p().leader()).isNotEqualTo(preferred);
        TopicPartitionName tp = new TopicPartitionName("t", 0);
        assertThat(f.apply(manager.electLeaders(f.image, ElectionType.PREFERRED, List.of(tp)))
            .get(tp).error()).isEqualTo(ApiError.PREFERRED_LEADER_NOT_AVAILABLE);

        // Unfencing does not steal leadership; the preferred election does.
        f.apply(f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(preferred,
            f.image.broker(preferred).orElseThrow().epoch(), 0, false, false), 0));
        int leaderEpoch = p().leaderEpoch();
        f.apply(manager.alterPartition(f.image, shrinkTo(p().replicas(), p().partitionEpoch())));
        Map<TopicPartitionName, ApiStatus> r =
            f.apply(manager.electLeaders(f.image, ElectionType.PREFERRED, null));
        assertThat(r.get(tp)).isEqualTo(ApiStatus.OK);
        assertThat(p().leader()).isEqualTo(preferred);
        assertThat(p().leaderEpoch()).isEqualTo(leaderEpoch + 1);
        assertThat(f.apply(manager.electLeaders(f.image, ElectionType.PREFERRED, List.of(tp)))
            .get(tp).error()).isEqualTo(ApiError.ELECTION_NOT_NEEDED);
    }
}
