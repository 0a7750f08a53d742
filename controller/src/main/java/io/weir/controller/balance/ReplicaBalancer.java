package io.weir.controller.balance;

import io.weir.controller.balance.BalanceState.Slot;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.partition.TopicPartitionName;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Plans replica moves, deterministically, as reassignment targets, in four steps:
 * <ol>
 *   <li>drain: every replica on a draining broker moves to the least loaded live broker;</li>
 *   <li>replicas: one replica at a time from a fuller to an emptier broker, until each
 *       topic's replica counts differ by at most one, then the totals (with moves that keep
 *       each topic within one);</li>
 *   <li>bytes: with counts even, a move (or a swap of two partitions, which keeps the counts)
 *       from the broker holding the most bytes to the one holding the least, while that
 *       narrows a gap above {@code max(minByteGap, average / 10)};</li>
 *   <li>leaders: reorders a partition's replicas so its preferred leader (the first replica)
 *       moves from a broker preferred by more partitions to a less preferred in-sync follower,
 *       per topic, then in total, until preferred-leader counts differ by at most one (no data
 *       moves).</li>
 * </ol>
 * A move replaces one replica in place, so a partition keeps its preferred leader unless
 * that replica moves. Racks are respected (no two replicas of a partition on one rack unless
 * the partition already had that). Outside draining only healthy partitions move (every
 * replica in sync, a leader, no reassignment under way), so a move never lowers an ISR below
 * its size, hence never below {@code min.insync.replicas}. At most {@code maxMoves}
 * partitions change per plan, which bounds the data copied at once. No clocks, no I/O: the
 * same image, draining set and sizes give the same plan.
 */
public final class ReplicaBalancer {
    /** Byte gaps below this are never worth a copy. */
    public static final long DEFAULT_MIN_BYTE_GAP = 64L << 20;
    private static final int MAX_SWAP_CANDIDATES = 256;

    private final long minByteGap;

    public ReplicaBalancer() {
        this(DEFAULT_MIN_BYTE_GAP);
    }

    public ReplicaBalancer(long minByteGap) {
        if (minByteGap < 1) {
            throw new IllegalArgumentException("minByteGap must be positive: " + minByteGap);
        }
        this.minByteGap = minByteGap;
    }

    /** A plan without partition sizes (every partition weighs zero bytes). */
    public Map<TopicPartitionName, List<Integer>> plan(MetadataImage image, Set<Integer> draining,
                                                       int maxMoves) {
        return plan(image, draining, maxMoves, tp -> 0L);
    }

    /**
     * @param size bytes of a partition (one replica's log), 0 when unknown
     * @return partition to its new target replicas, at most {@code maxMoves} entries
     */
    public Map<TopicPartitionName, List<Integer>> plan(MetadataImage image, Set<Integer> draining,
                                                       int maxMoves,
                                                       ToLongFunction<TopicPartitionName> size) {
        BalanceState state = new BalanceState(image, draining, size);
        if (state.destinations.isEmpty() || maxMoves <= 0) {
            return Map.of();
        }
        drain(state, draining, maxMoves);
        evenReplicas(state, maxMoves);
        evenBytes(state, maxMoves);
        evenLeaders(state, maxMoves);
        return Map.copyOf(state.moves);
    }

    private static void drain(BalanceState state, Set<Integer> draining, int maxMoves) {
        for (Slot s : state.slots) {
            if (state.moves.size() >= maxMoves) {
                return;
            }
            if (s.partition.isReassigning() || s.target.stream().noneMatch(draining::contains)) {
                continue;
            }
            List<Integer> target = new ArrayList<>(s.target);
            for (int i = 0; i < target.size(); i++) {
                int from = target.get(i);
                if (draining.contains(from)) {
                    Integer dest = leastLoaded(state, s.name.topic(), target, from);
                    if (dest != null) {
                        target.set(i, dest);
                    }
                }
            }
            leadershipFirst(s, target, draining);
            state.assign(s, target);
        }
    }

    /**
     * When a draining broker is the preferred leader, an in-sync replica that stays becomes the
     * preferred leader, so the election that follows moves leadership off the broker now rather
     * than when the copy completes.
     */
    private static void leadershipFirst(Slot s, List<Integer> target, Set<Integer> draining) {
        if (!draining.contains(s.target.get(0))) {
            return;
        }
        target.stream().filter(b -> s.partition.isr().contains(b) && !draining.contains(b))
            .findFirst().ifPresent(b -> {
                target.remove(b);
                target.add(0, b);
            });
    }

    private static Integer leastLoaded(BalanceState state, String topic, List<Integer> current,
                                       int replaced) {
        Comparator<Integer> byLoad = Comparator.comparingInt((Integer b) -> state.replicas(topic, b))
            .thenComparingInt(b -> state.replicas(b))
            .thenComparingLong(state::bytes).thenComparingInt(b -> b);
        return state.destinations.stream().filter(b -> !current.contains(b))
            .filter(b -> state.rackOk(current, replaced, b)).min(byLoad)
            .or(() -> state.destinations.stream().filter(b -> !current.contains(b)).min(byLoad))
            .orElse(null);
    }

    private static void evenReplicas(BalanceState state, int maxMoves) {
        while (state.moves.size() < maxMoves && moveOneReplica(state)) {
            // each round moves one replica from a fuller to an emptier broker
        }
    }

    /**
     * Evens out each topic first (so every topic's load is spread, not only the total), then
     * the totals with moves that keep each topic within one.
     */
    private static boolean moveOneReplica(BalanceState state) {
        for (String topic : state.topics) {
            Comparator<Integer> load = Comparator.comparingInt((Integer b) -> state.replicas(topic, b))
                .thenComparingInt(b -> state.replicas(b));
            for (int from : ordered(state, load, true)) {
                for (int to : ordered(state, load, false)) {
                    if (state.replicas(topic, from) - state.replicas(topic, to) < 2) {
                        break;
                    }
                    if (moveReplica(state, from, to, s -> s.name.topic().equals(topic))) {
                        return true;
                    }
                }
            }
        }
        Comparator<Integer> total = Comparator.comparingInt((Integer b) -> state.replicas(b));
        for (int from : ordered(state, total, true)) {
            for (int to : ordered(state, total, false)) {
                if (state.replicas(from) - state.replicas(to) < 2) {
                    break;
                }
                if (moveReplica(state, from, to, s -> state.replicas(s.name.topic(), from)
                    > state.replicas(s.name.topic(), to))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean moveReplica(BalanceState state, int from, int to, Predicate<Slot> allowed) {
        boolean heavierFrom = state.bytes(from) >= state.bytes(to);
        // Followers move before preferred leaders: fewer leadership changes.
        Slot pick = movable(state, from, to).filter(allowed).min(Comparator
            .comparingInt((Slot s) -> s.target.get(0) == from ? 1 : 0)
            .thenComparingLong(s -> heavierFrom ? -s.bytes : s.bytes)).orElse(null);
        if (pick == null) {
            return false;
        }
        state.assign(pick, replaced(pick.target, from, to));
        return true;
    }

    private void evenBytes(BalanceState state, int maxMoves) {
        long total = state.destinations.stream().mapToLong(state::bytes).sum();
        long tolerance = Math.max(minByteGap, total / state.destinations.size() / 10);
        while (state.moves.size() < maxMoves) {
            int heavy = state.destinations.stream()
                .max(Comparator.comparingLong(state::bytes).thenComparingInt(b -> -b)).orElseThrow();
            int light = state.destinations.stream()
                .min(Comparator.comparingLong(state::bytes).thenComparingInt(b -> b)).orElseThrow();
            long gap = state.bytes(heavy) - state.bytes(light);
            if (gap <= tolerance || !narrowBytes(state, heavy, light, gap, maxMoves)) {
                return;
            }
        }
    }

    private static boolean narrowBytes(BalanceState state, int heavy, int light, long gap,
                                       int maxMoves) {
        if (state.replicas(heavy) > state.replicas(light)) {
            Slot pick = movable(state, heavy, light).filter(s -> s.bytes > 0 && s.bytes < gap)
                .min(Comparator.comparingLong(s -> Math.abs(gap - 2 * s.bytes))).orElse(null);
            if (pick == null) {
                return false;
            }
            state.assign(pick, replaced(pick.target, heavy, light));
            return true;
        }
        if (state.replicas(heavy) != state.replicas(light) || state.moves.size() + 2 > maxMoves) {
            return false;
        }
        // Equal counts: swap a bigger partition on the heavy broker for a smaller one on the light.
        List<Slot> out = movable(state, heavy, light)
            .sorted(Comparator.comparingLong((Slot s) -> -s.bytes))
            .limit(MAX_SWAP_CANDIDATES).toList();
        List<Slot> in = movable(state, light, heavy)
            .sorted(Comparator.comparingLong((Slot s) -> s.bytes))
            .limit(MAX_SWAP_CANDIDATES).toList();
        Slot bestOut = null;
        Slot bestIn = null;
        long bestMiss = Long.MAX_VALUE;
        for (Slot p : out) {
            for (Slot q : in) {
                long d = p.bytes - q.bytes;
                if (d > 0 && d < gap && Math.abs(gap - 2 * d) < bestMiss) {
                    bestMiss = Math.abs(gap - 2 * d);
                    bestOut = p;
                    bestIn = q;
                }
            }
        }
        if (bestOut == null) {
            return false;
        }
        state.assign(bestOut, replaced(bestOut.target, heavy, light));
        state.assign(bestIn, replaced(bestIn.target, light, heavy));
        return true;
    }

    private static void evenLeaders(BalanceState state, int maxMoves) {
        while (moveOneLeader(state, maxMoves)) {
            // each round hands one preferred leadership to a less preferred in-sync follower
        }
    }

    /** Per topic first, then the totals with moves that keep each topic within one. */
    private static boolean moveOneLeader(BalanceState state, int maxMoves) {
        for (String topic : state.topics) {
            Comparator<Integer> load = Comparator.comparingInt((Integer b) -> state.leaders(topic, b))
                .thenComparingInt(b -> state.leaders(b));
            for (int from : ordered(state, load, true)) {
                for (int to : ordered(state, load, false)) {
                    if (state.leaders(topic, from) - state.leaders(topic, to) < 2) {
                        break;
                    }
                    if (moveLeader(state, from, to, maxMoves, s -> s.name.topic().equals(topic))) {
                        return true;
                    }
                }
            }
        }
        Comparator<Integer> total = Comparator.comparingInt((Integer b) -> state.leaders(b));
        for (int from : ordered(state, total, true)) {
            for (int to : ordered(state, total, false)) {
                if (state.leaders(from) - state.leaders(to) < 2) {
                    break;
                }
                if (moveLeader(state, from, to, maxMoves, s -> state.leaders(s.name.topic(), from)
                    > state.leaders(s.name.topic(), to))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean moveLeader(BalanceState state, int from, int to, int maxMoves,
                                      Predicate<Slot> allowed) {
        // A partition already planned may be reordered too, if the new preferred leader is in
        // sync now (not a replica the plan adds).
        Slot pick = state.slots.stream().filter(state::healthy).filter(allowed)
            .filter(s -> s.target.get(0) == from && s.partition.isr().contains(to)
                && s.target.contains(to))
            .filter(s -> state.moves.containsKey(s.name) || state.moves.size() < maxMoves)
            .findFirst().orElse(null);
        if (pick == null) {
            return false;
        }
        List<Integer> target = new ArrayList<>(pick.target);
        target.set(target.indexOf(to), from);
        target.set(0, to);
        state.assign(pick, target);
        return true;
    }

    /** Healthy, not yet planned partitions with a replica on {@code from} and none on {@code to}. */
    private static java.util.stream.Stream<Slot> movable(BalanceState state, int from, int to) {
        return state.slots.stream()
            .filter(s -> state.healthy(s) && !state.moves.containsKey(s.name))
            .filter(s -> s.target.contains(from) && !s.target.contains(to))
            .filter(s -> state.rackOk(s.target, from, to));
    }

    /** Destinations by a load, fullest first (ties: lowest id) or emptiest first. */
    private static List<Integer> ordered(BalanceState state, Comparator<Integer> byLoad,
                                         boolean fullestFirst) {
        return state.destinations.stream()
            .sorted((fullestFirst ? byLoad.reversed() : byLoad).thenComparingInt(b -> b))
            .toList();
    }

    private static List<Integer> replaced(List<Integer> target, int from, int to) {
        List<Integer> out = new ArrayList<>(target);
        out.set(out.indexOf(from), to);
        return out;
    }
}
