package io.weir.controller.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.Fixtures;
import io.weir.controller.image.PartitionRegistration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaPlacerTest {

    @Test
    void spreadsReplicasAndLeadersEvenly() {
        Fixtures f = new Fixtures();
        for (int b = 1; b <= 4; b++) {
            f.addLiveBroker(b, null);
        }
        f.createTopic("a", 8, 3);
        f.createTopic("b", 4, 2);
        Map<Integer, Integer> replicas = new HashMap<>();
        Map<Integer, Integer> leaders = new HashMap<>();
        f.image.topicsById().values().forEach(t -> t.partitions().values().forEach(p -> {
            p.replicas().forEach(r -> replicas.merge(r, 1, Integer::sum));
            leaders.merge(p.leader(), 1, Integer::sum);
        }));
        // 8*3 + 4*2 = 32 replicas over 4 brokers; 12 leaders over 4 brokers.
        assertThat(replicas.values()).containsOnly(8);
        assertThat(leaders.values()).containsOnly(3);
    }

    @Test
    void aNewTopicsLeadersSpreadOverTheBrokersWhateverTheClusterLooksLike() {
        Fixtures f = new Fixtures();
        for (int b = 1; b <= 3; b++) {
            f.addLiveBroker(b, null);
        }
        // Uneven cluster-wide leadership (as after an internal topic was placed): 10 partitions.
        f.createTopic("offsets", 10, 3);
        for (int round = 0; round < 3; round++) {
            String name = "t" + round;
            f.createTopic(name, 3, 3);
            Set<Integer> leaders = new HashSet<>();
            Map<Integer, Integer> replicas = new HashMap<>();
            for (PartitionRegistration p : f.image.topic(name).orElseThrow().partitions().values()) {
                leaders.add(p.replicas().get(0));
                p.replicas().forEach(r -> replicas.merge(r, 1, Integer::sum));
            }
            assertThat(leaders).as("preferred leaders of %s", name).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(replicas.values()).as("replicas per broker of %s", name).containsOnly(3);
        }
    }

    @Test
    void putsReplicasOfAPartitionOnDistinctRacks() {
        Fixtures f = new Fixtures();
        f.addLiveBroker(1, "r1");
        f.addLiveBroker(2, "r1");
        f.addLiveBroker(3, "r2");
        f.addLiveBroker(4, "r2");
        f.addLiveBroker(5, "r3");
        f.addLiveBroker(6, "r3");
        f.createTopic("t", 12, 3);
        for (PartitionRegistration p : f.image.topic("t").orElseThrow().partitions().values()) {
            Set<String> racks = new HashSet<>();
            p.replicas().forEach(r -> racks.add(f.image.broker(r).orElseThrow().rack()));
            assertThat(racks).hasSize(3);
        }
    }

    @Test
    void isDeterministic() {
        Fixtures a = new Fixtures();
        Fixtures b = new Fixtures();
        for (int i = 1; i <= 5; i++) {
            a.addLiveBroker(i, null);
            b.addLiveBroker(i, null);
        }
        ReplicaPlacer placer = new ReplicaPlacer();
        List<List<Integer>> first = placer.place(a.image, 0, 10, 3);
        assertThat(placer.place(b.image, 0, 10, 3)).isEqualTo(first);
    }
}
