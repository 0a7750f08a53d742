package io.weir.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Waiting for acks=all: one or more leader appends, each answered once the high watermark
 * passes it, as Kafka's {@code DelayedProduce} does. Serves the Produce handler and every
 * internal writer that needs a committed write (the consumer offsets topic).
 *
 * <p>Per append, in order: NONE once committed; NOT_ENOUGH_REPLICAS_AFTER_APPEND if committed
 * after the ISR shrank below {@code min.insync.replicas} (the write is in the log, but fewer
 * replicas than asked for have it); NOT_LEADER_OR_FOLLOWER once this node no longer leads the
 * partition in the append's epoch (the write may be truncated away; the client retries);
 * REQUEST_TIMED_OUT at the deadline.
 */
final class DelayedAcks implements Purgatory.DelayedOperation {
    private final List<Partition.AppendResult> appends;
    private final Errors[] outcomes;
    private final CompletableFuture<List<Errors>> result = new CompletableFuture<>();

    private DelayedAcks(List<Partition.AppendResult> appends) {
        this.appends = List.copyOf(appends);
        this.outcomes = new Errors[appends.size()];
    }

    static CompletableFuture<List<Errors>> await(Purgatory purgatory, List<Partition.AppendResult> appends,
                                                 long timeoutMs) {
        DelayedAcks waiting = new DelayedAcks(appends);
        if (waiting.tryComplete()) {
            return waiting.result;
        }
        List<TopicPartition> watched = new ArrayList<>();
        for (Partition.AppendResult a : appends) {
            watched.add(a.partition().topicPartition());
        }
        purgatory.park(waiting, watched, Math.max(0, timeoutMs));
        return waiting.result;
    }

    @Override
    public synchronized boolean tryComplete() {
        if (result.isDone()) {
            return true;
        }
        boolean allDecided = true;
        for (int i = 0; i < appends.size(); i++) {
            if (outcomes[i] == null) {
                outcomes[i] = decide(appends.get(i));
                allDecided &= outcomes[i] != null;
            }
        }
        if (!allDecided) {
            return false;
        }
        result.complete(List.of(outcomes));
        return true;
    }

    @Override
    public synchronized void forceComplete() {
        if (tryComplete()) {
            return;
        }
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == null) {
                outcomes[i] = Errors.REQUEST_TIMED_OUT;
            }
        }
        result.complete(List.of(outcomes));
    }

    /** Answered by the follower fetch that moves the HW past the writes, on its thread. */
    @Override
    public Purgatory.WaitsFor waitsFor() {
        return Purgatory.WaitsFor.HIGH_WATERMARK;
    }

    /** The append's outcome, or null while it is still waiting. */
    private static Errors decide(Partition.AppendResult append) {
        LeaderState.AckState state = append.partition().ackState(append.leaderEpoch(), append.requiredHighWatermark());
        if (state == null) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        return switch (state) {
            case WAITING -> null;
            case DONE -> Errors.NONE;
            case NOT_ENOUGH_REPLICAS_AFTER_APPEND -> Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        };
    }
}
