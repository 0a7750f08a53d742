package io.weir.controller.balance;

import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.partition.TopicPartitionName;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * The working state of one balancing plan: every partition's target replicas as planned so
 * far, and per live destination broker its replica count, preferred-leader count and bytes.
 * Plain data, changed only through {@link #assign}; {@link ReplicaBalancer} decides.
 */
final class BalanceState {
    final MetadataImage image;
    final List<Integer> destinations;
    final List<Slot> slots = new ArrayList<>();
    final Map<TopicPartitionName, List<Integer>> moves = new LinkedHashMap<>();
    private final Map<Integer, Integer> replicas = new HashMap<>();
    private final Map<Integer, Integer> leaders = new HashMap<>();
    private final Map<Integer, Long> bytes = new HashMap<>();
    private final Map<String, Map<Integer, Integer>> topicReplicas = new HashMap<>();
    private final Map<String, Map<Integer, Integer>> topicLeaders = new HashMap<>();
    final List<String> topics;

    BalanceState(MetadataImage image, Set<Integer> draining, ToLongFunction<TopicPartitionName> size) {
        this.image = image;
        this.destinations = image.liveBrokers().stream().map(BrokerRegistration::id)
            .filter(id -> !draining.contains(id)).toList();
        destinations.forEach(id -> {
            replicas.put(id, 0);
            leaders.put(id, 0);
            bytes.put(id, 0L);
        });
        image.topicsById().values().stream().sorted(Comparator.comparing(TopicImage::name))
            .forEach(t -> t.partitions().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> {
                    TopicPartitionName name = new TopicPartitionName(t.name(), e.getKey());
                    slots.add(new Slot(name, e.getValue(), Math.max(0, size.applyAsLong(name))));
                }));
        slots.forEach(s -> count(s, 1));
        this.topics = slots.stream().map(s -> s.name.topic()).distinct().toList();
    }

    int replicas(int broker) {
        return replicas.getOrDefault(broker, 0);
    }

    int leaders(int broker) {
        return leaders.getOrDefault(broker, 0);
    }

    /** Replicas of {@code topic} on the broker. */
    int replicas(String topic, int broker) {
        return topicReplicas.getOrDefault(topic, Map.of()).getOrDefault(broker, 0);
    }

    /** Partitions of {@code topic} that prefer the broker as leader. */
    int leaders(String topic, int broker) {
        return topicLeaders.getOrDefault(topic, Map.of()).getOrDefault(broker, 0);
    }

    long bytes(int broker) {
        return bytes.getOrDefault(broker, 0L);
    }

    /** Plans {@code target} for the slot's partition (replacing an earlier plan for it). */
    void assign(Slot s, List<Integer> target) {
        count(s, -1);
        s.target = List.copyOf(target);
        count(s, 1);
        if (s.target.equals(s.partition.targetReplicas())) {
            moves.remove(s.name);
        } else {
            moves.put(s.name, s.target);
        }
    }

    private void count(Slot s, int sign) {
        Map<Integer, Integer> ofTopic = topicReplicas.computeIfAbsent(s.name.topic(), t -> new HashMap<>());
        s.target.forEach(r -> {
            replicas.merge(r, sign, Integer::sum);
            ofTopic.merge(r, sign, Integer::sum);
            bytes.merge(r, sign * s.bytes, Long::sum);
        });
        if (!s.target.isEmpty()) {
            leaders.merge(s.target.get(0), sign, Integer::sum);
            topicLeaders.computeIfAbsent(s.name.topic(), t -> new HashMap<>())
                .merge(s.target.get(0), sign, Integer::sum);
        }
    }

    /**
     * A partition the balancer may touch outside draining: not already moving, every replica
     * in the ISR and a leader. Moving it (KIP-455 adds replicas before removing any) never
     * takes its ISR below its replication factor, so never below {@code min.insync.replicas}.
     */
    boolean healthy(Slot s) {
        PartitionRegistration p = s.partition;
        return !p.isReassigning() && p.hasLeader() && p.isr().containsAll(p.replicas());
    }

    /** Replacing {@code from} by {@code to} must not put two replicas of a partition on one rack. */
    boolean rackOk(List<Integer> target, int from, int to) {
        String toRack = rack(to);
        if (toRack == null) {
            return true;
        }
        Set<String> others = target.stream().filter(r -> r != from).map(this::rack)
            .filter(Objects::nonNull).collect(Collectors.toSet());
        return !others.contains(toRack) || Objects.equals(rack(from), toRack);
    }

    private String rack(int broker) {
        return image.broker(broker).map(BrokerRegistration::rack).orElse(null);
    }

    static final class Slot {
        final TopicPartitionName name;
        final PartitionRegistration partition;
        final long bytes;
        List<Integer> target;

        Slot(TopicPartitionName name, PartitionRegistration partition, long bytes) {
            this.name = name;
            this.partition = partition;
            this.bytes = bytes;
            this.target = partition.targetReplicas();
        }
    }
}
