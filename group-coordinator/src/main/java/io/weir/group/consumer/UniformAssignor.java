package io.weir.group.consumer;

import org.apache.kafka.common.Uuid;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kafka's {@code uniform} assignor (its default): balanced and sticky. Each member keeps what it
 * has of its current target assignment (partitions that still exist, of topics it still
 * subscribes to); the other partitions go, in order, to the subscriber with the fewest; then
 * partitions move one at a time from a member to a subscriber of the topic that has at least two
 * fewer, until none can. So every member ends within one partition of every other member that
 * could take its partitions, and a partition moves only to restore that balance.
 *
 * <p>Each move lowers the sum of the squared member counts by at least two, so there are at most
 * {@code partitions²} of them; the search for one is linear in the partitions held.
 */
public final class UniformAssignor implements PartitionAssignor {
    public static final String NAME = "uniform";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SortedMap<String, SortedSet<TopicIdPartition>> assign(Map<String, Set<Uuid>> subscriptions,
                                                                Map<Uuid, Integer> partitionCounts,
                                                                Map<String, ? extends Set<TopicIdPartition>> current) {
        SortedMap<String, SortedSet<TopicIdPartition>> out = new TreeMap<>();
        Map<Uuid, List<String>> subscribers = new HashMap<>();
        SortedSet<TopicIdPartition> all = new TreeSet<>();
        new TreeMap<>(subscriptions).forEach((member, topics) -> {
            out.put(member, new TreeSet<>());
            for (Uuid topic : new TreeSet<>(topics)) {
                Integer count = partitionCounts.get(topic);
                if (count == null) continue;
                subscribers.computeIfAbsent(topic, t -> new ArrayList<>()).add(member);
                for (int p = 0; p < count; p++) all.add(new TopicIdPartition(topic, p));
            }
        });
        Map<TopicIdPartition, String> owner = new HashMap<>();
        // Sticky: what each member had and may still have.
        out.forEach((member, assigned) -> {
            Set<TopicIdPartition> had = current.get(member);
            if (had == null) return;
            for (TopicIdPartition tp : new TreeSet<>(had)) {
                if (all.contains(tp) && subscriptions.get(member).contains(tp.topicId()) && !owner.containsKey(tp)) {
                    assigned.add(tp);
                    owner.put(tp, member);
                }
            }
        });
        // The rest, each to the subscriber with the fewest (ties: the smallest member id).
        for (TopicIdPartition tp : all) {
            if (owner.containsKey(tp)) continue;
            String to = fewest(subscribers.get(tp.topicId()), out, null);
            out.get(to).add(tp);
            owner.put(tp, to);
        }
        // Balance: move from a member to a subscriber with at least two fewer, until none has.
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Map.Entry<String, SortedSet<TopicIdPartition>> from : byCountDescending(out)) {
                List<TopicIdPartition> held = new ArrayList<>(from.getValue());
                Collections.reverse(held); // the last partitions move first
                for (TopicIdPartition tp : held) {
                    String to = fewest(subscribers.get(tp.topicId()), out, from.getKey());
                    if (to != null && out.get(to).size() <= from.getValue().size() - 2) {
                        from.getValue().remove(tp);
                        out.get(to).add(tp);
                        moved = true;
                        break;
                    }
                }
                if (moved) break;
            }
        }
        return out;
    }

    /** The candidate other than {@code except} with the fewest partitions, ties to the smallest id; null if none. */
    private static String fewest(List<String> candidates, Map<String, SortedSet<TopicIdPartition>> out, String except) {
        String best = null;
        for (String c : candidates) {
            if (c.equals(except)) continue;
            if (best == null || out.get(c).size() < out.get(best).size()
                    || out.get(c).size() == out.get(best).size() && c.compareTo(best) < 0) {
                best = c;
            }
        }
        return best;
    }

    private static List<Map.Entry<String, SortedSet<TopicIdPartition>>> byCountDescending(
            SortedMap<String, SortedSet<TopicIdPartition>> out) {
        List<Map.Entry<String, SortedSet<TopicIdPartition>>> entries = new ArrayList<>(out.entrySet());
        entries.sort((a, b) -> a.getValue().size() != b.getValue().size()
                ? Integer.compare(b.getValue().size(), a.getValue().size()) : a.getKey().compareTo(b.getKey()));
        return entries;
    }
}
