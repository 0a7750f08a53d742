package io.weir.controller.partition;

import io.weir.controller.config.TopicConfigs;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * Partition changes that follow a broker being fenced or unfenced.
 *
 * <p>Fenced: the broker leaves every ISR it is in, except that an ISR is never emptied (its
 * last member stays so that it can lead again without data loss when it returns, as Kafka
 * does); where it led, the next live ISR member in replica order leads, or nobody
 * ({@value PartitionRecord#NO_LEADER}) when none is live and unclean election is disabled.
 *
 * <p>Unfenced: leaderless partitions whose ISR contains the broker get it as leader.
 *
 * <p>Log directory offline (the broker's data directory is full or failed; it stays unfenced):
 * as Kafka handles a failed log directory (KIP-858), the broker leaves the ISR of each partition
 * that has another live ISR member, and where it led, one of those leads. Unlike Kafka, a
 * partition with no other live ISR member keeps the broker as its ISR and leader, so what it
 * holds stays readable (a full directory still reads); its appends answer KAFKA_STORAGE_ERROR.
 */
public final class BrokerLivenessChanges {
    private BrokerLivenessChanges() {
    }

    /**
     * The changes when {@code brokerId} is fenced: first every partition whose leader changes, then
     * those that only leave its ISR, so that a fencing spread over several batches (more partitions
     * than one holds) makes every partition it led available again before it shrinks ISRs.
     */
    public static List<MetadataRecord> onFenced(MetadataImage image, int brokerId) {
        IntPredicate live = id -> id != brokerId && image.isLive(id);
        List<MetadataRecord> out = new ArrayList<>();
        List<MetadataRecord> isrOnly = new ArrayList<>();
        forEachPartition(image, (topic, index, p) -> {
            if (!p.replicas().contains(brokerId)) {
                return;
            }
            List<Integer> isr = new ArrayList<>(p.isr());
            if (isr.size() > 1) {
                isr.remove(Integer.valueOf(brokerId));
            }
            int leader = p.leader();
            if (leader == brokerId || !p.hasLeader()) {
                leader = LeaderElection.clean(p.replicas(), isr, live);
            }
            if (leader == PartitionRecord.NO_LEADER
                && TopicConfigs.uncleanLeaderElection(image, topic.name())) {
                leader = LeaderElection.unclean(p.replicas(), live);
                if (leader != PartitionRecord.NO_LEADER) {
                    isr = List.of(leader);
                }
            }
            new PartitionChangeBuilder(topic.id(), index, p).isr(isr).leader(leader).build()
                .ifPresent(r -> (r.leader() != null ? out : isrOnly).add(r));
        });
        out.addAll(isrOnly);
        return out;
    }

    public static List<MetadataRecord> onUnfenced(MetadataImage image, int brokerId) {
        return electLeaderless(image, id -> id == brokerId || image.isLive(id), p -> p.replicas().contains(brokerId));
    }

    /**
     * Elects a leader for every partition that has none and has a live ISR member (or, with unclean
     * election on, a live replica). Normally there is none: unfencing a broker elects them
     * ({@link #onUnfenced}); but that change may span several batches, and a controller that
     * failed between two of them left the rest leaderless with the broker already unfenced, so a
     * new or resynced active controller runs this once.
     */
    public static List<MetadataRecord> electLeaderless(MetadataImage image) {
        return electLeaderless(image, image::isLive, p -> true);
    }

    private static List<MetadataRecord> electLeaderless(MetadataImage image, IntPredicate live,
                                                        Predicate<PartitionRegistration> relevant) {
        List<MetadataRecord> out = new ArrayList<>();
        forEachPartition(image, (topic, index, p) -> {
            if (p.hasLeader() || !relevant.test(p)) {
                return;
            }
            int leader = LeaderElection.clean(p.replicas(), p.isr(), live);
            List<Integer> isr = p.isr();
            if (leader == PartitionRecord.NO_LEADER
                && TopicConfigs.uncleanLeaderElection(image, topic.name())) {
                leader = LeaderElection.unclean(p.replicas(), live);
                isr = leader == PartitionRecord.NO_LEADER ? isr : List.of(leader);
            }
            new PartitionChangeBuilder(topic.id(), index, p).isr(isr).leader(leader).build()
                .ifPresent(out::add);
        });
        return out;
    }

    public static List<MetadataRecord> onLogDirOffline(MetadataImage image, int brokerId) {
        IntPredicate othersLive = id -> id != brokerId && image.isLive(id);
        List<MetadataRecord> out = new ArrayList<>();
        forEachPartition(image, (topic, index, p) -> {
            if (!p.isr().contains(brokerId) || p.isr().stream().noneMatch(othersLive::test)) {
                return;
            }
            List<Integer> isr = new ArrayList<>(p.isr());
            isr.remove(Integer.valueOf(brokerId));
            int leader = p.leader();
            if (leader == brokerId || !p.hasLeader()) {
                leader = LeaderElection.clean(p.replicas(), isr, othersLive);
            }
            new PartitionChangeBuilder(topic.id(), index, p).isr(isr).leader(leader).build()
                .ifPresent(out::add);
        });
        return out;
    }

    /** Visits partitions in a deterministic order (topic name, then index). */
    static void forEachPartition(MetadataImage image, PartitionVisitor visitor) {
        image.topicsById().values().stream().sorted(Comparator.comparing(TopicImage::name))
            .forEach(t -> t.partitions().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> visitor.visit(t, e.getKey(), e.getValue())));
    }

    interface PartitionVisitor {
        void visit(TopicImage topic, int index, PartitionRegistration partition);
    }
}
