package io.weir.controller.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.partition.TopicPartitionName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Seeded random clusters: what every plan must respect, and that repeated plans converge. */
class ReplicaBalancerPropertyTest {
    private final ReplicaBalancer balancer = new ReplicaBalancer(1000);

    @Property(tries = 300)
    void everyPlanIsBoundedSafeAndDeterministic(@ForAll long seed) {
        Random random = new Random(seed);
        int brokerCount = 2 + random.nextInt(5);
        boolean racks = random.nextBoolean();
        Clusters c = new Clusters();
        for (int b = 1; b <= brokerCount; b++) {
            c.broker(b, racks ? "r" + (b % 3) : null, b == 1 || random.nextInt(8) > 0);
        }
        Map<String, Long> sizes = new HashMap<>();
        for (int t = 0; t < 1 + random.nextInt(3); t++) {
            c.topic("t" + t);
            int rf = 1 + random.nextInt(Math.min(3, brokerCount));
            for (int p = 0; p < 1 + random.nextInt(12); p++) {
                List<Integer> all = new ArrayList<>();
                for (int b = 1; b <= brokerCount; b++) {
                    all.add(b);
                }
                Collections.shuffle(all, random);
                List<Integer> replicas = all.subList(0, rf);
                List<Integer> isr = random.nextInt(5) == 0 ? replicas.subList(0, 1) : replicas;
                c.partition(p, List.copyOf(replicas), List.copyOf(isr));
                sizes.put("t" + t + "-" + p, (long) random.nextInt(10_000));
            }
        }
        MetadataImage image = c.image();
        Set<Integer> draining = new HashSet<>();
        if (random.nextInt(3) == 0) {
            draining.add(1 + random.nextInt(brokerCount));
        }
        int maxMoves = 1 + random.nextInt(20);
        Map<TopicPartitionName, List<Integer>> plan = balancer.plan(image, draining, maxMoves,
            tp -> sizes.get(tp.topic() + "-" + tp.partition()));

        assertThat(plan.size()).isLessThanOrEqualTo(maxMoves);
        assertThat(balancer.plan(image, draining, maxMoves,
            tp -> sizes.get(tp.topic() + "-" + tp.partition()))).isEqualTo(plan);
        plan.forEach((tp, target) -> {
            PartitionRegistration p = image.topic(tp.topic()).orElseThrow().partition(tp.partition());
            List<Integer> current = p.targetReplicas();
            assertThat(target).doesNotHaveDuplicates().hasSameSizeAs(current);
            assertThat(target).isNotEqualTo(current);
            List<Integer> added = target.stream().filter(b -> !current.contains(b)).toList();
            assertThat(added).allSatisfy(b -> {
                assertThat(image.isLive(b)).isTrue();
                assertThat(draining).doesNotContain(b);
            });
            boolean drained = current.stream().anyMatch(draining::contains);
            if (!drained) {
                assertThat(p.isr()).as("only in-sync partitions move").containsAll(p.replicas());
                assertThat(duplicateRacks(image, target))
                    .isLessThanOrEqualTo(duplicateRacks(image, current));
            }
        });
    }

    @Property(tries = 100)
    void repeatedPlansEvenOutEachTopicsReplicaCounts(@ForAll long seed) {
        Random random = new Random(seed);
        int brokerCount = 2 + random.nextInt(6);
        // Topics start on their first rf brokers only, as if the others had just joined.
        Map<String, Map<Integer, List<Integer>>> assignment = new TreeMap<>();
        for (String topic : List.of("a", "b")) {
            int rf = 1 + random.nextInt(Math.min(3, brokerCount));
            Map<Integer, List<Integer>> partitions = new TreeMap<>();
            for (int p = 0; p < 1 + random.nextInt(30); p++) {
                List<Integer> replicas = new ArrayList<>();
                for (int i = 0; i < rf; i++) {
                    replicas.add(1 + (p + i) % rf);
                }
                partitions.put(p, replicas);
            }
            assignment.put(topic, partitions);
        }
        int maxMoves = 1 + random.nextInt(5);
        for (int round = 0; round < 1000; round++) {
            MetadataImage image = image(brokerCount, assignment);
            Map<TopicPartitionName, List<Integer>> plan = balancer.plan(image, Set.of(), maxMoves);
            if (plan.isEmpty()) {
                Map<Integer, Integer> total = counts(brokerCount);
                assignment.forEach((topic, partitions) -> {
                    Map<Integer, Integer> load = counts(brokerCount);
                    partitions.values().forEach(r -> r.forEach(b -> {
                        load.merge(b, 1, Integer::sum);
                        total.merge(b, 1, Integer::sum);
                    }));
                    assertThat(Collections.max(load.values()) - Collections.min(load.values()))
                        .as("topic %s: %s", topic, load).isLessThanOrEqualTo(1);
                });
                assertThat(Collections.max(total.values()) - Collections.min(total.values()))
                    .as("total %s", total).isLessThanOrEqualTo(assignment.size());
                return;
            }
            plan.forEach((tp, target) -> assignment.get(tp.topic()).put(tp.partition(), target));
        }
        throw new AssertionError("no balance after 1000 rounds: " + assignment);
    }

    private static Map<Integer, Integer> counts(int brokers) {
        Map<Integer, Integer> load = new HashMap<>();
        for (int b = 1; b <= brokers; b++) {
            load.put(b, 0);
        }
        return load;
    }

    private static MetadataImage image(int brokers, Map<String, Map<Integer, List<Integer>>> assignment) {
        Clusters c = new Clusters();
        for (int b = 1; b <= brokers; b++) {
            c.broker(b, null, true);
        }
        assignment.forEach((topic, partitions) -> {
            c.topic(topic);
            partitions.forEach(c::partition);
        });
        return c.image();
    }

    private static long duplicateRacks(MetadataImage image, List<Integer> replicas) {
        List<String> racks = replicas.stream()
            .map(b -> image.broker(b).map(BrokerRegistration::rack).orElse(null))
            .filter(Objects::nonNull).toList();
        return racks.size() - new HashSet<>(racks).size();
    }
}
