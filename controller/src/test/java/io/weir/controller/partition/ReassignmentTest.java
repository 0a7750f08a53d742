package io.weir.controller.partition;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.Fixtures;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreatePartitionsRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReassignmentTest {
    private final Fixtures f = new Fixtures();
    private final PartitionControlManager manager = new PartitionControlManager();
    private final TopicPartitionName tp = new TopicPartitionName("t", 0);
    private UUID topicId;

    @BeforeEach
    void topicOnBrokersOneAndTwo() {
        for (int b = 1; b <= 4; b++) {
            f.addLiveBroker(b, null);
        }
        CreatableTopic t = new CreatableTopic("t", -1, (short) -1, Map.of(0, List.of(1, 2)), Map.of());
        topicId = f.apply(f.topics.createTopics(f.image, List.of(t), false)).get(0).topicId();
    }

    private PartitionRegistration p() {
        return f.image.topic(topicId).orElseThrow().partition(0);
    }

    private ApiStatus reassign(Optional<List<Integer>> target) {
        return f.apply(manager.alterPartitionReassignments(f.image, Map.of(tp, target))).get(tp);
    }

    private AlterPartitionReply leaderSetsIsr(List<Integer> isr) {
        PartitionRegistration p = p();
        return f.apply(manager.alterPartition(f.image, new AlterPartitionRequest(p.leader(),
            f.image.broker(p.leader()).orElseThrow().epoch(), topicId, 0, p.leaderEpoch(), isr,
            p.partitionEpoch())));
    }

    @Test
    void movesReplicasOnceTheNewOnesAreInSync() {
        assertThat(reassign(Optional.of(List.of(3, 4)))).isEqualTo(ApiStatus.OK);
        assertThat(p().replicas()).containsExactly(3, 4, 1, 2);
        assertThat(p().addingReplicas()).containsExactly(3, 4);
        assertThat(p().removingReplicas()).containsExactly(1, 2);
        assertThat(p().leader()).isEqualTo(1);
        assertThat(PartitionControlManager.ongoingReassignments(f.image)).containsKey(tp);

        leaderSetsIsr(List.of(1, 2, 3));
        assertThat(p().isReassigning()).isTrue();
        int leaderEpoch = p().leaderEpoch();

        AlterPartitionReply done = leaderSetsIsr(List.of(1, 2, 3, 4));
        assertThat(done.status()).isEqualTo(ApiStatus.OK);
        assertThat(p().replicas()).containsExactly(3, 4);
        assertThat(p().isr()).containsExactly(3, 4);
        assertThat(p().isReassigning()).isFalse();
        assertThat(p().leader()).isEqualTo(3);
        assertThat(p().leaderEpoch()).isEqualTo(leaderEpoch + 1);
        assertThat(done.leader()).isEqualTo(3);
        assertThat(PartitionControlManager.ongoingReassignments(f.image)).isEmpty();
    }

    @Test
    void aTargetAlreadyInSyncCompletesAtOnce() {
        assertThat(reassign(Optional.of(List.of(2, 1)))).isEqualTo(ApiStatus.OK);
        assertThat(p().replicas()).containsExactly(2, 1);
        assertThat(p().isReassigning()).isFalse();
        assertThat(p().leader()).isEqualTo(1);
        assertThat(reassign(Optional.of(List.of(2)))).isEqualTo(ApiStatus.OK);
        assertThat(p().replicas()).containsExactly(2);
        assertThat(p().leader()).isEqualTo(2);
    }

    @Test
    void cancellingRestoresTheOriginalReplicas() {
        reassign(Optional.of(List.of(1, 3, 4)));
        leaderSetsIsr(List.of(1, 3));
        assertThat(p().isReassigning()).isTrue();
        assertThat(reassign(Optional.empty())).isEqualTo(ApiStatus.OK);
        assertThat(p().replicas()).containsExactly(1, 2);
        assertThat(p().isr()).containsExactly(1);
        assertThat(p().isReassigning()).isFalse();
        assertThat(reassign(Optional.empty()).error()).isEqualTo(ApiError.NO_REASSIGNMENT_IN_PROGRESS);
    }

    @Test
    void rejectsBadTargets() {
        assertThat(reassign(Optional.of(List.of())).error()).isEqualTo(ApiError.INVALID_REPLICA_ASSIGNMENT);
        assertThat(reassign(Optional.of(List.of(3, 3))).error()).isEqualTo(ApiError.INVALID_REPLICA_ASSIGNMENT);
        assertThat(reassign(Optional.of(List.of(9))).error()).isEqualTo(ApiError.INVALID_REPLICA_ASSIGNMENT);
        TopicPartitionName missing = new TopicPartitionName("nope", 0);
        assertThat(f.apply(manager.alterPartitionReassignments(f.image,
            Map.of(missing, Optional.of(List.of(1))))).get(missing).error())
            .isEqualTo(ApiError.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void partitionsAddedDuringAReassignmentKeepTheTargetReplicationFactor() {
        reassign(Optional.of(List.of(3, 4)));
        assertThat(p().replicas()).hasSize(4);
        f.apply(f.topics.createPartitions(f.image, List.of(
            new CreatePartitionsRequest("t", 2, null)), false));
        assertThat(f.image.topic(topicId).orElseThrow().partition(1).replicas()).hasSize(2);
    }
}
