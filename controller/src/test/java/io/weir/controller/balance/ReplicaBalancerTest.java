package io.weir.controller.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.Fixtures;
import io.weir.controller.partition.PartitionControlManager;
import io.weir.controller.partition.TopicPartitionName;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaBalancerTest {
    private final ReplicaBalancer balancer = new ReplicaBalancer();
    private final PartitionControlManager partitions = new PartitionControlManager();

    private static Map<Integer, Integer> load(Map<TopicPartitionName, List<Integer>> plan,
                                              Fixtures f) {
        Map<Integer, Integer> load = new HashMap<>();
        f.image.topicsById().values().forEach(t -> t.partitions().forEach((i, p) -> {
            List<Integer> replicas = plan.getOrDefault(new TopicPartitionName(t.name(), i),
                p.targetReplicas());
            replicas.forEach(r -> load.merge(r, 1, Integer::sum));
        }));
        return load;
    }

    @Test
    void aNewBrokerReceivesItsShareOfReplicas() {
        Fixtures f = new Fixtures();
        for (int b = 1; b <= 3; b++) {
            f.addLiveBroker(b, null);
        }
        f.createTopic("t", 6, 2);
        f.addLiveBroker(4, null);
        Map<TopicPartitionName, List<Integer>> plan = balancer.plan(f.image, Set.of(), 100);
        assertThat(plan).hasSize(3);
        assertThat(load(plan, f).values()).containsOnly(3);
        assertThat(balancer.plan(f.image, Set.of(), 100)).isEqualTo(plan);
        assertThat(balancer.plan(f.image, Set.of(), 2)).hasSize(2);

        Map<TopicPartitionName, Optional<List<Integer>>> targets = new HashMap<>();
        plan.forEach((tp, r) -> targets.put(tp, Optional.of(r)));
        f.apply(partitions.alterPartitionReassignments(f.image, targets));
        assertThat(PartitionControlManager.ongoingReassignments(f.image)).hasSize(3);
        assertThat(balancer.plan(f.image, Set.of(), 100)).isEmpty();
    }

    @Test
    void drainingMovesEveryReplicaOffTheBroker() {
        Fixtures f = new Fixtures();
        for (int b = 1; b <= 4; b++) {
            f.addLiveBroker(b, null);
        }
        f.createTopic("t", 8, 2);
        Map<TopicPartitionName, List<Integer>> plan = balancer.plan(f.image, Set.of(1), 100);
        assertThat(load(plan, f)).doesNotContainKey(1);
        assertThat(plan.values()).allSatisfy(r -> assertThat(r).doesNotContain(1).hasSize(2));
    }

    @Test
    void movesNeverStackTwoReplicasOnOneRack() {
        Fixtures f = new Fixtures();
        f.addLiveBroker(1, "a");
        f.addLiveBroker(2, "b");
        f.createTopic("t", 4, 2);
        f.addLiveBroker(3, "a");
        f.addLiveBroker(4, "b");
        Map<TopicPartitionName, List<Integer>> plan = balancer.plan(f.image, Set.of(), 100);
        assertThat(plan).isNotEmpty();
        plan.values().forEach(replicas -> assertThat(replicas.stream()
            .map(r -> f.image.broker(r).orElseThrow().rack()).distinct().count()).isEqualTo(2));
    }
}
