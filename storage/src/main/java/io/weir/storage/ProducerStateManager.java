package io.weir.storage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Idempotent-producer state of one partition: for each producer id, its epoch and the
 * last {@value #RETAINED_BATCHES} batches it wrote, so a retried batch is acknowledged
 * once and a gap in sequence numbers is refused. Rebuilt from the log on open. Follows
 * Kafka's ProducerStateManager rules (a producer with no state may start at any sequence;
 * a new epoch must start at sequence 0). Not thread-safe: {@link PartitionLog} guards it.
 */
final class ProducerStateManager {
    static final int RETAINED_BATCHES = 5;

    record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long maxTimestamp) {
    }

    static final class ProducerEntry {
        short epoch = RecordBatch.NO_PRODUCER_EPOCH;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(RETAINED_BATCHES);

        ProducerEntry copy() {
            ProducerEntry c = new ProducerEntry();
            c.epoch = epoch;
            c.batches.addAll(batches);
            return c;
        }

        int lastSeq() {
            return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.peekLast().lastSeq();
        }

        void add(short batchEpoch, BatchMetadata batch) {
            if (batchEpoch != epoch) {
                batches.clear();
                epoch = batchEpoch;
            }
            if (batches.size() == RETAINED_BATCHES) {
                batches.pollFirst();
            }
            batches.addLast(batch);
        }
    }

    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    /** A view of this state that validates a whole append before anything is committed. */
    final class Staged {
        private final Map<Long, ProducerEntry> updated = new HashMap<>();

        /**
         * Checks a client batch against the producer's state.
         *
         * @return the original batch if this one is a retry of a batch already in the log
         * @throws InvalidProducerEpochException for an epoch older than the producer's
         * @throws OutOfOrderSequenceException   for a sequence that does not follow the last one
         */
        Optional<BatchMetadata> validate(BatchHeader batch) {
            ProducerEntry current = entry(batch.producerId());
            if (batch.producerEpoch() < current.epoch) {
                throw new InvalidProducerEpochException("Producer " + batch.producerId() + " epoch "
                        + batch.producerEpoch() + " is older than the current epoch " + current.epoch);
            }
            if (batch.producerEpoch() == current.epoch) {
                for (BatchMetadata b : current.batches) {
                    if (b.firstSeq() == batch.baseSequence() && b.lastSeq() == batch.lastSequence()) {
                        return Optional.of(b);
                    }
                }
                int lastSeq = current.lastSeq();
                if (lastSeq != RecordBatch.NO_SEQUENCE && !inSequence(lastSeq, batch.baseSequence())) {
                    throw new OutOfOrderSequenceException("Producer " + batch.producerId() + " sent sequence "
                            + batch.baseSequence() + " after " + lastSeq);
                }
            } else if (batch.baseSequence() != 0 && current.epoch != RecordBatch.NO_PRODUCER_EPOCH) {
                throw new OutOfOrderSequenceException("Producer " + batch.producerId() + " started epoch "
                        + batch.producerEpoch() + " at sequence " + batch.baseSequence() + " instead of 0");
            }
            return Optional.empty();
        }

        /** Records a batch of this append, with its assigned offsets, in the staged view. */
        void record(BatchHeader batch, long firstOffset, long lastOffset) {
            ProducerEntry e = updated.computeIfAbsent(batch.producerId(),
                    id -> producers.containsKey(id) ? producers.get(id).copy() : new ProducerEntry());
            e.add(batch.producerEpoch(), new BatchMetadata(batch.baseSequence(), batch.lastSequence(),
                    firstOffset, lastOffset, batch.maxTimestamp()));
        }

        /** Makes the staged changes the producers' state; call once the append is durable in the log. */
        void commit() {
            producers.putAll(updated);
        }

        private ProducerEntry entry(long producerId) {
            ProducerEntry e = updated.get(producerId);
            if (e == null) {
                e = producers.get(producerId);
            }
            return e == null ? new ProducerEntry() : e;
        }
    }

    Staged stage() {
        return new Staged();
    }

    /** Replays a batch read from the log (recovery): no validation, just state. */
    void replay(BatchHeader batch) {
        if (!batch.hasProducerId()) {
            return;
        }
        producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry())
                .add(batch.producerEpoch(), new BatchMetadata(batch.baseSequence(), batch.lastSequence(),
                        batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp()));
    }

    void clear() {
        producers.clear();
    }

    /**
     * Each producer's last batch, by its last offset: compaction keeps that batch, empty if need be,
     * so the producer's state survives the cleaning (as Kafka keeps it).
     */
    Map<Long, Long> lastBatchOffsets() {
        Map<Long, Long> out = new HashMap<>(producers.size() * 2);
        producers.forEach((id, e) -> {
            if (!e.batches.isEmpty()) {
                out.put(id, e.batches.peekLast().lastOffset());
            }
        });
        return out;
    }

    /** Every producer with state here, by producer id, as DescribeProducers reports them. */
    List<ActiveProducer> activeProducers() {
        List<ActiveProducer> out = new ArrayList<>(producers.size());
        producers.forEach((id, e) -> {
            BatchMetadata last = e.batches.peekLast();
            out.add(new ActiveProducer(id, e.epoch, e.lastSeq(), last == null ? RecordBatch.NO_TIMESTAMP : last.maxTimestamp()));
        });
        out.sort(Comparator.comparingLong(ActiveProducer::producerId));
        return out;
    }

    int producerCount() {
        return producers.size();
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }
}
