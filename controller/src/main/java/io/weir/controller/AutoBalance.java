package io.weir.controller;

import io.weir.controller.balance.ReplicaBalancer;
import io.weir.controller.config.ConfigControlManager;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.partition.ElectionType;
import io.weir.controller.partition.PartitionControlManager;
import io.weir.controller.partition.TopicPartitionName;
import io.weir.controller.record.MetadataRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replica balancing on the active controller, for {@link QuorumController}: one step of balancing
 * (the {@link ReplicaBalancer}'s reassignments, then preferred-leader elections), the brokers being
 * drained, the partition sizes the byte goal uses, and when a membership change calls for an early
 * step. The controller runs the steps on its thread as writes; the draining set is touched only there.
 */
final class AutoBalance {
    private static final Logger LOG = LoggerFactory.getLogger(QuorumController.class);
    /** Delay of the step that follows a change in the set of live brokers. */
    static final long AFTER_MEMBERSHIP_CHANGE_MS = 500;

    private final ControllerConfig config;
    private final PartitionControlManager partitions;
    private final ReplicaBalancer balancer = new ReplicaBalancer();
    // Controller-thread soft state: brokers being drained on this controller.
    private final Set<Integer> draining = new HashSet<>();
    // Partition sizes as this node sees them (soft input of the byte goal of the balancer).
    private volatile Supplier<Map<TopicPartitionName, Long>> partitionSizes = Map::of;

    AutoBalance(ControllerConfig config, PartitionControlManager partitions) {
        this.config = config;
        this.partitions = partitions;
    }

    /** The period of automatic balancing in ms; 0 or less when it is off. */
    long intervalMs() {
        return config.autoBalanceInterval().toMillis();
    }

    void setPartitionSizes(Supplier<Map<TopicPartitionName, Long>> sizes) {
        this.partitionSizes = sizes;
    }

    /** Adds {@code brokerIds} to the draining set and balances once (controller thread). */
    ControllerResult<Map<TopicPartitionName, ApiStatus>> drain(MetadataImage img, Set<Integer> brokerIds) {
        draining.addAll(brokerIds);
        return step(img);
    }

    /** Removes {@code brokerIds} from the draining set (controller thread). */
    ControllerResult<Void> undrain(Set<Integer> brokerIds) {
        draining.removeAll(brokerIds);
        return ControllerResult.noChange(null);
    }

    /** One round of balancing on {@code img}: reassignments, then preferred leaders (controller thread). */
    ControllerResult<Map<TopicPartitionName, ApiStatus>> step(MetadataImage img) {
        int ongoing = PartitionControlManager.ongoingReassignments(img).size();
        int budget = config.maxConcurrentReassignments() - ongoing;
        Map<TopicPartitionName, Optional<List<Integer>>> targets = new LinkedHashMap<>();
        Map<TopicPartitionName, Long> sizes = knownSizes(img);
        Set<Integer> drain = new HashSet<>(draining);
        drain.addAll(ConfigControlManager.drainingBrokers(img));
        balancer.plan(img, drain, budget, tp -> sizes.getOrDefault(tp, 0L))
            .forEach((tp, replicas) -> targets.put(tp, Optional.of(replicas)));
        ControllerResult<Map<TopicPartitionName, ApiStatus>> moves =
            partitions.alterPartitionReassignments(img, targets);
        // Leadership goes back to preferred replicas that are live and in sync again (Kafka's
        // auto.leader.rebalance), decided on the image after the moves above.
        MetadataImage afterMoves = moves.records().isEmpty() ? img
            : img.apply(img.offset(), moves.records());
        List<MetadataRecord> records = new ArrayList<>(moves.records());
        records.addAll(partitions.electLeaders(afterMoves, ElectionType.PREFERRED, null).records());
        return ControllerResult.of(records, moves.response());
    }

    /** Whether automatic balancing is on and the set of live brokers differs between the images. */
    boolean membershipChanged(MetadataImage previous, MetadataImage next) {
        return intervalMs() > 0 && !liveIds(previous).equals(liveIds(next));
    }

    /** The future an automatic step completes: it logs the reassignments the step started. */
    static CompletableFuture<Map<TopicPartitionName, ApiStatus>> loggingStarted() {
        // The callback goes on the future returned (whenComplete's own result is another future).
        CompletableFuture<Map<TopicPartitionName, ApiStatus>> done = new CompletableFuture<>();
        done.thenAccept(r -> {
            if (!r.isEmpty()) LOG.info("balancing: started reassignments {}", r.keySet());
        });
        return done;
    }

    private Map<TopicPartitionName, Long> knownSizes(MetadataImage img) {
        Map<TopicPartitionName, Long> sizes;
        try {
            sizes = partitionSizes.get();
        } catch (RuntimeException e) {
            LOG.debug("partition sizes unavailable: {}", e.toString());
            return Map.of();
        }
        long partitionCount = img.topicsById().values().stream()
            .mapToLong(t -> t.partitions().size()).sum();
        return sizes.size() >= partitionCount ? sizes : Map.of();
    }

    private static Set<Integer> liveIds(MetadataImage image) {
        Set<Integer> ids = new HashSet<>();
        image.liveBrokers().forEach(b -> ids.add(b.id()));
        return ids;
    }
}
