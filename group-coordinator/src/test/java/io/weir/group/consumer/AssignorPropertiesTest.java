package io.weir.group.consumer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.Uuid;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every server-side assignor must do, over random groups: each partition of a subscribed
 * topic to exactly one of its subscribers, nothing else, the same answer whatever the order of
 * its input; and what each promises: {@code uniform} is balanced and sticky, {@code range} gives
 * contiguous ranges.
 */
class AssignorPropertiesTest {
    private static final List<Uuid> TOPICS = List.of(new Uuid(0, 1), new Uuid(0, 2), new Uuid(0, 3), new Uuid(0, 4));

    /** A random group: member → subscribed topics, topic → partitions, and a random current assignment. */
    record Case(Map<String, Set<Uuid>> subscriptions, Map<Uuid, Integer> partitions,
                Map<String, Set<TopicIdPartition>> current) {
    }

    @Provide
    Arbitrary<Case> groups() {
        Arbitrary<Map<Uuid, Integer>> partitions = Arbitraries.integers().between(0, 12).list().ofSize(TOPICS.size())
                .map(counts -> {
                    Map<Uuid, Integer> out = new HashMap<>();
                    for (int i = 0; i < TOPICS.size(); i++) if (counts.get(i) > 0) out.put(TOPICS.get(i), counts.get(i));
                    return out;
                });
        Arbitrary<Map<String, Set<Uuid>>> subscriptions = Arbitraries.subsetOf(TOPICS).ofMinSize(1).list().ofMinSize(1).ofMaxSize(7)
                .map(subs -> {
                    Map<String, Set<Uuid>> out = new HashMap<>();
                    for (int i = 0; i < subs.size(); i++) out.put("member-" + i, subs.get(i));
                    return out;
                });
        Arbitrary<Long> seeds = Arbitraries.longs();
        return Combinators.combine(subscriptions, partitions, seeds).as((subs, parts, seed) -> {
            // A current assignment that may be stale: partitions that are gone, of unsubscribed topics, of others.
            java.util.Random random = new java.util.Random(seed);
            Map<String, Set<TopicIdPartition>> current = new HashMap<>();
            for (String member : subs.keySet()) {
                Set<TopicIdPartition> had = new HashSet<>();
                for (Uuid topic : TOPICS) {
                    for (int p = 0; p < 14; p++) if (random.nextInt(6) == 0) had.add(new TopicIdPartition(topic, p));
                }
                current.put(member, had);
            }
            current.put("gone-member", Set.of(new TopicIdPartition(TOPICS.get(0), 0)));
            return new Case(subs, parts, current);
        });
    }

    @Property(tries = 300)
    void uniformAssignsEveryPartitionOnceToASubscriberAndIsBalanced(@ForAll("groups") Case c) {
        SortedMap<String, SortedSet<TopicIdPartition>> out = new UniformAssignor().assign(c.subscriptions(), c.partitions(), c.current());
        assertValid(c, out);
        Map<TopicIdPartition, String> owner = owners(out);
        owner.forEach((tp, member) -> c.subscriptions().forEach((other, topics) -> {
            if (topics.contains(tp.topicId())) {
                assertThat(out.get(other).size()).as("%s could take %s from %s", other, tp, member)
                        .isGreaterThanOrEqualTo(out.get(member).size() - 1);
            }
        }));
    }

    @Property(tries = 300)
    void uniformIsStickyAndStableOnItsOwnOutput(@ForAll("groups") Case c) {
        UniformAssignor assignor = new UniformAssignor();
        SortedMap<String, SortedSet<TopicIdPartition>> first = assignor.assign(c.subscriptions(), c.partitions(), c.current());
        assertThat(assignor.assign(c.subscriptions(), c.partitions(), first)).as("nothing moves without a change").isEqualTo(first);

        // One member leaves: only its partitions move (the others keep all they had), when the
        // subscriptions are the same for everyone.
        if (c.subscriptions().size() < 2 || new HashSet<>(c.subscriptions().values()).size() != 1) return;
        String leaving = Collections.min(c.subscriptions().keySet());
        Map<String, Set<Uuid>> rest = new HashMap<>(c.subscriptions());
        rest.remove(leaving);
        SortedMap<String, SortedSet<TopicIdPartition>> after = assignor.assign(rest, c.partitions(), first);
        assertValid(new Case(rest, c.partitions(), new HashMap<>(first)), after);
        rest.keySet().forEach(m -> assertThat(after.get(m)).containsAll(first.get(m)));
    }

    @Property(tries = 300)
    void rangeGivesContiguousRangesOfEachTopicToItsSubscribersInMemberOrder(@ForAll("groups") Case c) {
        SortedMap<String, SortedSet<TopicIdPartition>> out = new RangeAssignor().assign(c.subscriptions(), c.partitions(), c.current());
        assertValid(c, out);
        for (Uuid topic : c.partitions().keySet()) {
            List<String> subscribers = c.subscriptions().entrySet().stream().filter(e -> e.getValue().contains(topic))
                    .map(Map.Entry::getKey).sorted().toList();
            if (subscribers.isEmpty()) continue;
            int next = 0;
            int count = c.partitions().get(topic);
            for (int i = 0; i < subscribers.size(); i++) {
                List<Integer> mine = out.get(subscribers.get(i)).stream().filter(tp -> tp.topicId().equals(topic))
                        .map(TopicIdPartition::partition).toList();
                int expected = count / subscribers.size() + (i < count % subscribers.size() ? 1 : 0);
                assertThat(mine).hasSize(expected);
                for (int p : mine) assertThat(p).isEqualTo(next++);
            }
        }
    }

    @Property(tries = 200)
    void bothAreDeterministicWhateverTheInputOrder(@ForAll("groups") Case c) {
        for (PartitionAssignor assignor : List.of(new UniformAssignor(), new RangeAssignor())) {
            List<String> members = new ArrayList<>(c.subscriptions().keySet());
            Collections.reverse(members);
            Map<String, Set<Uuid>> reordered = new LinkedHashMap<>();
            for (String m : members) reordered.put(m, new HashSet<>(c.subscriptions().get(m)));
            assertThat(assignor.assign(reordered, new HashMap<>(c.partitions()), new HashMap<>(c.current())))
                    .isEqualTo(assignor.assign(c.subscriptions(), c.partitions(), c.current()));
        }
    }

    private static void assertValid(Case c, SortedMap<String, SortedSet<TopicIdPartition>> out) {
        assertThat(out.keySet()).isEqualTo(c.subscriptions().keySet());
        Map<TopicIdPartition, String> owner = owners(out);
        Set<TopicIdPartition> expected = new HashSet<>();
        c.subscriptions().values().forEach(topics -> topics.forEach(t -> {
            for (int p = 0; p < c.partitions().getOrDefault(t, 0); p++) expected.add(new TopicIdPartition(t, p));
        }));
        assertThat(owner.keySet()).isEqualTo(expected);
        owner.forEach((tp, member) -> assertThat(c.subscriptions().get(member)).contains(tp.topicId()));
    }

    private static Map<TopicIdPartition, String> owners(Map<String, SortedSet<TopicIdPartition>> out) {
        Map<TopicIdPartition, String> owner = new HashMap<>();
        out.forEach((member, tps) -> tps.forEach(tp ->
                assertThat(owner.put(tp, member)).as("%s assigned twice", tp).isNull()));
        return owner;
    }
}
