package io.weir.controller.placement;

import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Places replicas of new partitions on live brokers, deterministically.
 *
 * <p>Each replica goes to the least-loaded eligible broker. The topic's own partitions come
 * first, as Kafka's round-robin placement does: a new topic's leaders (first replicas) and
 * replicas spread evenly over the brokers whatever the rest of the cluster looks like (so a
 * 3-partition RF=3 topic on 3 brokers has 3 different leaders); then the cluster-wide leader
 * and replica counts of the image plus what was placed so far. When brokers have racks, a partition's replicas spread over as many racks as
 * possible before a rack repeats. Ties break by a rotation on the partition index so equal
 * brokers take turns. Deterministic placement keeps the controller a pure function of
 * (image, request).
 */
public final class ReplicaPlacer {

    /**
     * @return one replica list per new partition, or throws {@link IllegalArgumentException}
     *     when fewer live brokers than {@code replicationFactor} exist
     */
    public List<List<Integer>> place(MetadataImage image, int firstPartition, int numPartitions,
                                     int replicationFactor) {
        return place(image, loads(image), firstPartition, numPartitions, replicationFactor);
    }

    /**
     * Replicas and preferred leaderships per broker; computed once per request and updated by
     * {@link #place(MetadataImage, Loads, int, int, int)} so placing many topics stays linear.
     */
    public static final class Loads {
        private final Map<Integer, Integer> replicas = new HashMap<>();
        private final Map<Integer, Integer> leaders = new HashMap<>();
    }

    public Loads loads(MetadataImage image) {
        Loads loads = new Loads();
        for (TopicImage t : image.topicsById().values()) {
            for (PartitionRegistration p : t.partitions().values()) {
                p.replicas().forEach(r -> loads.replicas.merge(r, 1, Integer::sum));
                if (!p.replicas().isEmpty()) {
                    loads.leaders.merge(p.replicas().get(0), 1, Integer::sum);
                }
            }
        }
        return loads;
    }

    public List<List<Integer>> place(MetadataImage image, Loads loads, int firstPartition,
                                     int numPartitions, int replicationFactor) {
        List<BrokerRegistration> live = image.liveBrokers();
        if (replicationFactor > live.size()) {
            throw new IllegalArgumentException("replication factor " + replicationFactor
                + " exceeds the " + live.size() + " live brokers");
        }
        Map<Integer, Integer> replicaLoad = loads.replicas;
        Map<Integer, Integer> leaderLoad = loads.leaders;
        boolean rackAware = live.stream().anyMatch(b -> b.rack() != null);
        // What this request has placed so far, for the topic-local spread.
        Map<Integer, Integer> topicReplicas = new HashMap<>();
        Map<Integer, Integer> topicLeaders = new HashMap<>();
        List<List<Integer>> out = new ArrayList<>(numPartitions);
        for (int i = 0; i < numPartitions; i++) {
            int partition = firstPartition + i;
            List<Integer> chosen = new ArrayList<>(replicationFactor);
            Set<String> racksUsed = new HashSet<>();
            for (int s = 0; s < replicationFactor; s++) {
                final int slot = s;
                boolean leaderSlot = slot == 0;
                List<BrokerRegistration> candidates = live.stream()
                    .filter(b -> !chosen.contains(b.id())).toList();
                if (rackAware) {
                    List<BrokerRegistration> newRack = candidates.stream()
                        .filter(b -> !racksUsed.contains(Objects.toString(b.rack()))).toList();
                    if (!newRack.isEmpty()) {
                        candidates = newRack;
                    }
                }
                int size = live.size();
                Comparator<BrokerRegistration> order = Comparator
                    .comparingInt((BrokerRegistration b) -> leaderSlot
                        ? topicLeaders.getOrDefault(b.id(), 0) : 0)
                    .thenComparingInt(b -> topicReplicas.getOrDefault(b.id(), 0))
                    .thenComparingInt(b -> leaderSlot ? leaderLoad.getOrDefault(b.id(), 0) : 0)
                    .thenComparingInt(b -> replicaLoad.getOrDefault(b.id(), 0))
                    .thenComparingInt(b -> Math.floorMod(live.indexOf(b) - partition - slot, size));
                BrokerRegistration pick = candidates.stream().min(order).orElseThrow();
                chosen.add(pick.id());
                racksUsed.add(Objects.toString(pick.rack()));
                replicaLoad.merge(pick.id(), 1, Integer::sum);
                topicReplicas.merge(pick.id(), 1, Integer::sum);
                if (leaderSlot) {
                    leaderLoad.merge(pick.id(), 1, Integer::sum);
                    topicLeaders.merge(pick.id(), 1, Integer::sum);
                }
            }
            out.add(List.copyOf(chosen));
        }
        return out;
    }
}
