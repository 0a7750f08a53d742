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
import java.util.stream.Collectors;

/**
 * Plans replica moves, deterministically, as reassignment targets: away from brokers being
 * drained, then from the most to the least loaded live broker until replica counts differ by
 * at most one. Each move replaces one replica in place, so a partition keeps its preferred
 * leader unless that is the replica that moves. Partitions already being reassigned are left
 * alone, and at most {@code maxMoves} partitions move per plan, which bounds how much data
 * is copied at once (the reassignment throttle).
 */
public final class ReplicaBalancer {

    public Map<TopicPartitionName, List<Integer>> plan(MetadataImage image, Set<Integer> draining,
                                                       int maxMoves) {
        List<Integer> destinations = image.liveBrokers().stream().map(BrokerRegistration::id)
            .filter(id -> !draining.contains(id)).toList();
        Map<TopicPartitionName, List<Integer>> moves = new LinkedHashMap<>();
        if (destinations.isEmpty() || maxMoves <= 0) {
            return moves;
        }
        Map<Integer, Integer> load = new HashMap<>();
        destinations.forEach(id -> load.put(id, 0));
        List<Slot> partitions = new ArrayList<>();
        image.topicsById().values().stream().sorted(Comparator.comparing(TopicImage::name))
            .forEach(t -> t.partitions().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> partitions.add(new Slot(new TopicPartitionName(t.name(), e.getKey()),
                    e.getValue()))));
        for (Slot s : partitions) {
            s.target.forEach(r -> load.merge(r, 1, Integer::sum));
        }
        // 1. Drain: every replica on a draining broker moves.
        for (Slot s : partitions) {
            if (moves.size() >= maxMoves) {
                return moves;
            }
            if (s.partition.isReassigning() || s.target.stream().noneMatch(draining::contains)) {
                continue;
            }
            List<Integer> target = new ArrayList<>(s.target);
            boolean moved = false;
            for (int i = 0; i < target.size(); i++) {
                if (draining.contains(target.get(i))) {
                    Integer dest = leastLoaded(image, load, destinations, target, target.get(i));
                    if (dest != null) {
                        load.merge(target.get(i), -1, Integer::sum);
                        load.merge(dest, 1, Integer::sum);
                        target.set(i, dest);
                        moved = true;
                    }
                }
            }
            if (moved) {
                moves.put(s.name, List.copyOf(target));
                s.target = target;
            }
        }
        // 2. Even out: one replica at a time from the most to the least loaded broker.
        for (int guard = 0; guard < partitions.size() * 4 && moves.size() < maxMoves; guard++) {
            int most = destinations.stream().max(Comparator.comparingInt((Integer b) -> load.get(b))
                .thenComparingInt(b -> -b)).orElseThrow();
            int least = destinations.stream().min(Comparator.comparingInt((Integer b) -> load.get(b))
                .thenComparingInt(b -> b)).orElseThrow();
            if (load.get(most) - load.get(least) <= 1) {
                break;
            }
            Slot pick = null;
            for (Slot s : partitions) {
                if (!s.partition.isReassigning() && !moves.containsKey(s.name)
                    && s.target.contains(most) && !s.target.contains(least)
                    && rackOk(image, s.target, most, least)) {
                    pick = s;
                    break;
                }
            }
            if (pick == null) {
                break;
            }
            List<Integer> target = new ArrayList<>(pick.target);
            target.set(target.indexOf(most), least);
            load.merge(most, -1, Integer::sum);
            load.merge(least, 1, Integer::sum);
            moves.put(pick.name, List.copyOf(target));
            pick.target = target;
        }
        return moves;
    }

    private static Integer leastLoaded(MetadataImage image, Map<Integer, Integer> load,
                                       List<Integer> destinations, List<Integer> current,
                                       int replaced) {
        return destinations.stream().filter(b -> !current.contains(b))
            .filter(b -> rackOk(image, current, replaced, b))
            .min(Comparator.comparingInt((Integer b) -> load.get(b)).thenComparingInt(b -> b))
            .or(() -> destinations.stream().filter(b -> !current.contains(b))
                .min(Comparator.comparingInt((Integer b) -> load.get(b)).thenComparingInt(b -> b)))
            .orElse(null);
    }

    /** Moving {@code from -> to} must not put two replicas of the partition on one rack. */
    private static boolean rackOk(MetadataImage image, List<Integer> replicas, int from, int to) {
        String toRack = image.broker(to).map(BrokerRegistration::rack).orElse(null);
        if (toRack == null) {
            return true;
        }
        Set<String> others = replicas.stream().filter(r -> r != from)
            .map(r -> image.broker(r).map(BrokerRegistration::rack).orElse(null))
            .filter(Objects::nonNull).collect(Collectors.toSet());
        String fromRack = image.broker(from).map(BrokerRegistration::rack).orElse(null);
        return !others.contains(toRack) || Objects.equals(fromRack, toRack);
    }

    private static final class Slot {
        final TopicPartitionName name;
        final PartitionRegistration partition;
        List<Integer> target;

        Slot(TopicPartitionName name, PartitionRegistration partition) {
            this.name = name;
            this.partition = partition;
            this.target = partition.targetReplicas();
        }
    }
}
