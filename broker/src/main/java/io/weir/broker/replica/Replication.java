package io.weir.broker.replica;

import io.weir.broker.metadata.Ids;
import io.weir.controller.ApiStatus;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.partition.AlterPartitionReply;
import io.weir.controller.partition.AlterPartitionRequest;
import io.weir.replication.LeaderState;
import io.weir.replication.ReplicaFetcher;
import io.weir.replication.ReplicationConfig;
import io.weir.storage.PartitionLog;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The imperative shell around the {@code replication} module's pure state: which partitions
 * this node leads (a {@link LeaderState} each, moving the high watermark as followers fetch
 * and proposing ISR changes to the controller) and which it follows (a
 * {@link ReplicaFetcher} per leader broker). Driven by metadata images, follower fetches,
 * leader appends, and a periodic ISR check.
 */
public final class Replication implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replication.class);
    private static final long ISR_CHECK_INTERVAL_MS = 250;
    /** Kafka's replica.high.watermark.checkpoint.interval.ms. */
    private static final long HW_CHECKPOINT_INTERVAL_MS = 5_000;
    private static final String LISTENER = "PLAINTEXT";

    /** Sends an ISR change to the active controller. */
    @FunctionalInterface
    public interface IsrChannel {
        CompletableFuture<AlterPartitionReply> alterPartition(AlterPartitionRequest request);
    }

    /** A partition this node leads. Access to {@code state} is synchronized on the instance. */
    private static final class Led {
        final LeaderState state;
        final UUID topicId;
        final PartitionLog log;
        /** The last ISR-change failure logged, so a retry that fails the same way is not logged again. */
        String lastFailure;

        Led(LeaderState state, UUID topicId, PartitionLog log) {
            this.state = state;
            this.topicId = topicId;
            this.log = log;
        }
    }

    private final int nodeId;
    private final LongSupplier brokerEpoch;
    private final ReplicationConfig config;
    private final Purgatory purgatory;
    private final IsrChannel isrChannel;
    private final ConcurrentHashMap<TopicPartition, Led> led = new ConcurrentHashMap<>();
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    private final ScheduledExecutorService isrThread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weir-isr-check");
        t.setDaemon(true);
        return t;
    });

    public Replication(int nodeId, LongSupplier brokerEpoch, ReplicationConfig config, Purgatory purgatory,
            IsrChannel isrChannel) {
        this.nodeId = nodeId;
        this.brokerEpoch = brokerEpoch;
        this.config = config;
        this.purgatory = purgatory;
        this.isrChannel = isrChannel;
        isrThread.scheduleWithFixedDelay(this::checkIsr, ISR_CHECK_INTERVAL_MS, ISR_CHECK_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        isrThread.scheduleWithFixedDelay(this::checkpointHighWatermarks, HW_CHECKPOINT_INTERVAL_MS,
                HW_CHECKPOINT_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Persists the HW of every led and followed log, so a restart resumes close to it (after a
     * crash the HW may be up to one interval behind; followers' fetches move it forward again).
     */
    private void checkpointHighWatermarks() {
        try {
            for (Led l : led.values()) {
                l.log.checkpointHighWatermark();
            }
            List<ReplicaFetcher> current;
            synchronized (this) {
                current = List.copyOf(fetchers.values());
            }
            for (ReplicaFetcher f : current) {
                f.assignments().values().forEach(a -> a.log().checkpointHighWatermark());
            }
        } catch (RuntimeException e) {
            log.warn("High-watermark checkpoint failed; retrying in {} ms", HW_CHECKPOINT_INTERVAL_MS, e);
        }
    }

    /**
     * Brings leaderships and fetchers in line with {@code image}.
     *
     * @param logFor opens (creating if needed) the local log of a partition of a topic
     */
    public synchronized void apply(MetadataImage image, BiFunction<TopicImage, TopicPartition, PartitionLog> logFor) {
        Map<TopicPartition, Runnable> lead = new HashMap<>();
        Map<Integer, Map<TopicPartition, ReplicaFetcher.Assignment>> follow = new HashMap<>();
        for (TopicImage topic : image.topicsById().values()) {
            for (Map.Entry<Integer, PartitionRegistration> e : topic.partitions().entrySet()) {
                PartitionRegistration reg = e.getValue();
                if (!reg.replicas().contains(nodeId)) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(topic.name(), e.getKey());
                PartitionLog partitionLog = logFor.apply(topic, tp);
                if (reg.leader() == nodeId) {
                    lead.put(tp, () -> becomeOrStayLeader(tp, topic, reg, partitionLog));
                } else if (reg.leader() >= 0) {
                    follow.computeIfAbsent(reg.leader(), k -> new HashMap<>()).put(tp, new ReplicaFetcher.Assignment(
                            tp, Ids.toKafka(topic.id()), reg.leaderEpoch(), partitionLog));
                }
            }
        }
        for (TopicPartition tp : new ArrayList<>(led.keySet())) {
            if (!lead.containsKey(tp)) {
                led.remove(tp);
                purgatory.onChange(tp);
            }
        }
        // Fetchers first: reassigning waits for an in-flight follower append, so a partition
        // this node now leads is no longer written by its old fetcher when leadership starts.
        updateFetchers(image, follow);
        lead.values().forEach(Runnable::run);
    }

    private void becomeOrStayLeader(TopicPartition tp, TopicImage topic, PartitionRegistration reg, PartitionLog pl) {
        Led current = led.get(tp);
        if (current != null && current.state.leaderEpoch() == reg.leaderEpoch()
                && current.state.replicas().equals(reg.replicas()) && current.log == pl) {
            if (reg.partitionEpoch() > current.state.partitionEpoch()) {
                synchronized (current) {
                    current.state.onIsrCommitted(reg.isr(), reg.partitionEpoch(), pl.logEndOffset());
                    pl.updateHighWatermark(current.state.highWatermark());
                }
                purgatory.onChange(tp);
            }
            return;
        }
        // Followers get a full lag period from now, not from when this image started to apply:
        // opening logs (the first Chronicle queue of a JVM especially) can take seconds.
        LeaderState state = new LeaderState(nodeId, reg.leaderEpoch(), reg.partitionEpoch(), reg.replicas(),
                reg.isr(), pl.logEndOffset(), pl.highWatermark(), System.currentTimeMillis());
        Led next = new Led(state, topic.id(), pl);
        synchronized (next) {
            pl.updateHighWatermark(state.maybeAdvanceHighWatermark(pl.logEndOffset()));
        }
        led.put(tp, next);
        log.info("Leading {} in epoch {} with ISR {} from LEO {} (HW {})", tp, reg.leaderEpoch(), reg.isr(),
                pl.logEndOffset(), pl.highWatermark());
        purgatory.onChange(tp);
    }

    private void updateFetchers(MetadataImage image, Map<Integer, Map<TopicPartition, ReplicaFetcher.Assignment>> follow) {
        for (Map.Entry<Integer, ReplicaFetcher> e : new ArrayList<>(fetchers.entrySet())) {
            Optional<InetSocketAddress> address = addressOf(image, e.getKey());
            if (!follow.containsKey(e.getKey()) || address.isEmpty()
                    || !address.get().equals(e.getValue().leaderAddress())) {
                e.getValue().close();
                fetchers.remove(e.getKey());
            }
        }
        for (Map.Entry<Integer, Map<TopicPartition, ReplicaFetcher.Assignment>> e : follow.entrySet()) {
            ReplicaFetcher fetcher = fetchers.get(e.getKey());
            if (fetcher == null) {
                Optional<InetSocketAddress> address = addressOf(image, e.getKey());
                if (address.isEmpty()) {
                    continue;
                }
                fetcher = new ReplicaFetcher(nodeId, brokerEpoch, e.getKey(), address.get(), config,
                        tp -> purgatory.onChange(tp));
                fetchers.put(e.getKey(), fetcher);
                fetcher.start();
            }
            fetcher.assign(e.getValue());
        }
    }

    private static Optional<InetSocketAddress> addressOf(MetadataImage image, int brokerId) {
        return image.broker(brokerId).flatMap(b -> b.endpoint(LISTENER))
                .map(ep -> new InetSocketAddress(ep.host(), ep.port()));
    }

    /** Whether this node leads {@code tp} in {@code leaderEpoch} according to its replication state. */
    public boolean isLeading(TopicPartition tp, int leaderEpoch) {
        Led l = led.get(tp);
        return l != null && l.state.leaderEpoch() == leaderEpoch;
    }

    /** After a leader append: the HW may move (at once when the ISR is this node alone). */
    public void onLeaderAppend(TopicPartition tp, PartitionLog pl) {
        Led l = led.get(tp);
        if (l == null || l.log != pl) {
            return;
        }
        synchronized (l) {
            pl.updateHighWatermark(l.state.maybeAdvanceHighWatermark(pl.logEndOffset()));
        }
    }

    /**
     * A follower fetched {@code tp} from {@code fetchOffset} (its LEO). Moves the HW and wakes
     * waiting produces when it advances.
     *
     * @return false if {@code replicaId} is not a replica this node knows as leader
     */
    public boolean onFollowerFetch(TopicPartition tp, PartitionLog pl, int replicaId, long fetchOffset) {
        Led l = led.get(tp);
        if (l == null || l.log != pl || !l.state.isReplica(replicaId)) {
            return false;
        }
        long before;
        long after;
        synchronized (l) {
            before = pl.highWatermark();
            after = l.state.onFollowerFetch(replicaId, fetchOffset, pl.logEndOffset(), System.currentTimeMillis());
            pl.updateHighWatermark(after);
        }
        if (after > before) {
            purgatory.onChange(tp);
        }
        return true;
    }

    /** For acks=all: whether the batches up to {@code requiredOffset} are committed, and how. */
    public LeaderState.AckState ackState(TopicPartition tp, int leaderEpoch, long requiredOffset, int minInsyncReplicas) {
        Led l = led.get(tp);
        if (l == null || l.state.leaderEpoch() != leaderEpoch) {
            return LeaderState.AckState.WAITING;
        }
        synchronized (l) {
            return l.state.ackState(requiredOffset, minInsyncReplicas);
        }
    }

    /** Partitions this node leads whose ISR is smaller than their replica set. */
    public int underReplicatedPartitions() {
        int n = 0;
        for (Led l : led.values()) {
            synchronized (l) {
                if (l.state.isr().size() < l.state.replicas().size()) {
                    n++;
                }
            }
        }
        return n;
    }

    public int leaderCount() {
        return led.size();
    }

    private void checkIsr() {
        long now = System.currentTimeMillis();
        for (Map.Entry<TopicPartition, Led> e : led.entrySet()) {
            Led l = e.getValue();
            Optional<List<Integer>> proposal;
            AlterPartitionRequest request;
            synchronized (l) {
                proposal = l.state.proposeIsrChange(l.log.logEndOffset(), now, config.replicaLagTimeMaxMs());
                if (proposal.isEmpty()) {
                    continue;
                }
                request = new AlterPartitionRequest(nodeId, brokerEpoch.getAsLong(), l.topicId,
                        e.getKey().partition(), l.state.leaderEpoch(), proposal.get(), l.state.partitionEpoch());
            }
            if (l.lastFailure == null) {
                log.info("Proposing ISR {} for {} (was {}; followers {})", proposal.get(), e.getKey(),
                        l.state.isr(), l.state.describeFollowers(now));
            }
            try {
                isrChannel.alterPartition(request).whenComplete((reply, error) -> onIsrReply(e.getKey(), l, reply,
                        error));
            } catch (RuntimeException ex) {
                onIsrReply(e.getKey(), l, null, ex);
            }
        }
    }

    private void onIsrReply(TopicPartition tp, Led l, AlterPartitionReply reply, Throwable error) {
        synchronized (l) {
            if (error != null || reply == null || !reply.status().isOk()) {
                String failure = error != null ? error.toString() : reply.status().toString();
                if (!failure.equals(l.lastFailure)) {
                    log.info("ISR change for {} failed: {}; retrying every {} ms", tp, failure, ISR_CHECK_INTERVAL_MS);
                }
                l.lastFailure = failure;
                l.state.onIsrChangeFailed();
                return;
            }
            l.lastFailure = null;
            l.state.onIsrCommitted(reply.isr(), reply.partitionEpoch(), l.log.logEndOffset());
            l.log.updateHighWatermark(l.state.highWatermark());
        }
        purgatory.onChange(tp);
    }

    @Override
    public synchronized void close() {
        isrThread.shutdownNow();
        fetchers.values().forEach(ReplicaFetcher::close);
        fetchers.clear();
        led.clear();
    }

    /** Brokers hosting this node's followers' leaders, for tests. */
    synchronized Set<Integer> fetchingFrom() {
        return Set.copyOf(fetchers.keySet());
    }
}
