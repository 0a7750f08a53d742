package io.weir.storage;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compaction of a {@link PartitionLog}: the shell around {@link CleanerPlanner}. Chronicle
 * cannot rewrite a file in place, so compaction works as a full truncation does, by generations:
 * <ol>
 *   <li>plan from the roll-file statistics (read lock);</li>
 *   <li>read the dirty batches into the {@link OffsetMap} (read lock, a chunk at a time, throttled
 *       between chunks; appends go on);</li>
 *   <li>copy every live batch into the queue of the next generation, {@code queue-<g+1>}, each into
 *       the roll cycle it came from: batches below the pass's end filtered as Kafka's cleaner does
 *       ({@code MemoryRecords.filterTo}: the batch keeps its base offset and last offset delta, the
 *       surviving records are re-written and the CRC recomputed; a batch left empty is dropped, except
 *       a producer's last batch, kept empty), the rest byte for byte (read lock, chunked, throttled);</li>
 *   <li>under the write lock: copy what was appended meanwhile, force the new files to disk, write
 *       {@code partition.state} with the new generation and cleaner checkpoint (the commit point),
 *       delete the old generation's directory and rebuild the in-memory index from the new queue.</li>
 * </ol>
 * A crash before the commit leaves a {@code queue-<g+1>} that the next open deletes; after it, a
 * {@code queue-<g>} that the next open deletes. If the log was truncated, retention ran or a write
 * failed while the write lock was not held, the pass gives up and deletes its new directory.
 */
final class LogCompaction {
    private static final Logger log = LoggerFactory.getLogger(LogCompaction.class);
    /**
     * Called at each step of a pass ("opened", "copying", "copied", "committed", "switched"), so
     * {@code CompactionCrashTest} can kill a child JVM exactly there; does nothing otherwise.
     */
    static volatile java.util.function.Consumer<String> stepHook = step -> { };

    /** Bytes read under one hold of the read lock. */
    static final int CHUNK_BYTES = 1 << 20;

    /** The parts of the log a pass works on; all guarded by {@code lock}. */
    record Log(TopicPartition topicPartition, java.nio.file.Path dir, LogConfig config, Clock clock,
               ReentrantReadWriteLock lock, QueueHandle queue, LogState state, LogContents contents,
               Runnable ensureOpen) {
    }

    /**
     * Whether the data directory has room for a pass now. A pass writes a copy of the log before it
     * deletes the old one, and Chronicle on a full file system faults (SIGBUS) rather than failing a
     * write: so a pass needs the log's size on top of twice the reserve appends keep (two Chronicle
     * blocks at least), or it waits for a later pass. Always true for a log with no guard.
     *
     * @param logBytes the log's size, asked only when there is a guard
     */
    static boolean roomFor(TopicPartition topicPartition, DiskSpace space, LogConfig cfg,
                           java.util.function.LongSupplier logBytes) {
        if (space == null) {
            return true;
        }
        long needed = logBytes.getAsLong() + 2 * space.reserveFor(cfg.blockSize());
        if (!space.isFull() && space.usableEstimate() >= needed) {
            return true;
        }
        log.info("{}: not compacting now: a copy of the log needs {} bytes, {} are usable", topicPartition, needed,
                space.usableEstimate());
        return false;
    }

    private final Log l;
    private final OffsetMap map;
    private final Throttler throttler;

    LogCompaction(Log log, OffsetMap map, Throttler throttler) {
        this.l = log;
        this.map = map;
        this.throttler = throttler;
    }

    /** A snapshot of the log when the pass is planned. */
    private record Start(CleanerPlanner.Plan plan, long changes, long generation, long logStartOffset,
                         Map<Long, Long> lastBatchOfProducer) {
    }

    /** Runs one pass if the log is due one; empty if it was not, or gave up because the log changed under it. */
    Optional<CompactionResult> run(long upperBound) throws InterruptedException {
        long now = l.clock().millis();
        Optional<Start> started = underRead(() -> CleanerPlanner.plan(l.contents().batches().rollFiles(), l.state().logStartOffset(),
                            l.state().cleanedTo(), Math.min(upperBound, l.state().highWatermark()), now,
                            l.config().cleanup())
                    .map(p -> new Start(p, l.contents().changes(), l.state().generation(), l.state().logStartOffset(),
                            l.contents().producers().lastBatchOffsets())));
        if (started.isEmpty()) {
            return Optional.empty();
        }
        Start start = started.get();
        long[] stats = new long[4]; // bytes read, bytes written, batches read, batches written
        long end = buildMap(start, stats);
        if (end <= start.plan().firstDirty()) {
            log.warn("{}: log.cleaner.dedupe.buffer.size holds {} keys, too few for the batch at offset {}; "
                    + "not cleaned", l.topicPartition(), map.capacity(), end);
            return Optional.empty();
        }
        long newGen = start.generation() + 1;
        QueueHandle out = new QueueHandle(l.dir(), l.queue().rollCycle(), l.clock(), () -> { }, () -> { });
        boolean committed = false;
        try {
            out.deleteGeneration(newGen); // a stale one from an earlier pass that gave up abruptly
            out.open(newGen, l.config().blockSize());
            stepHook.accept("opened");
            Copier copier = new Copier(start, end, now, out, stats);
            if (!copier.copyUnlocked()) {
                return Optional.empty();
            }
            l.lock().writeLock().lock();
            try {
                if (!unchanged(start)) {
                    return Optional.empty();
                }
                l.ensureOpen().run();
                copier.copyRest();
                out.close();
                out.forceToDisk(newGen);
                stepHook.accept("copied");
                l.contents().adoptCompacted(newGen, end);
                committed = true;
                stepHook.accept("switched");
            } finally {
                l.lock().writeLock().unlock();
            }
        } finally {
            if (!committed) {
                out.close();
                out.deleteGeneration(newGen);
            }
        }
        CompactionResult result = new CompactionResult(start.plan().firstDirty(), end, stats[0], stats[1], (int) stats[2], (int) stats[3],
                map.size());
        log.info("Compacted {} offsets [{}, {}): read {} bytes in {} batches, wrote {} bytes in {} batches "
                        + "(dirty ratio {}, {} keys)", l.topicPartition(), start.plan().firstDirty(), end, stats[0],
                stats[2], stats[1], stats[3], String.format("%.2f", start.plan().dirtyRatio()), map.size());
        return Optional.of(result);
    }

    /**
     * Reads the dirty batches into the key map, up to the plan's end or the last whole batch that fits.
     *
     * @return the pass's end: the offset before which records are filtered
     */
    private long buildMap(Start start, long[] stats) throws InterruptedException {
        map.clear();
        long firstDirty = start.plan().firstDirty();
        long[] end = {start.plan().cleanableEnd()};
        long[] resume = {-1};
        boolean[] done = {false};
        boolean first = true;
        while (!done[0]) {
            long[] chunk = {0};
            long from = first ? -2 : resume[0];
            first = false;
            Boolean ok = underRead(() -> {
                if (l.contents().changes() != start.changes()) {
                    return false;
                }
                long fromIndex = from == -2 ? l.contents().batches().startIndexFor(firstDirty) : from;
                done[0] = true;
                l.contents().live().forEach(start.logStartOffset(), fromIndex, (idx, bytes, pos, size, h) -> {
                    if (h.lastOffset() < firstDirty) {
                        return true;
                    }
                    if (h.baseOffset() >= end[0]) {
                        return false;
                    }
                    if (chunk[0] >= CHUNK_BYTES) {
                        resume[0] = idx;
                        done[0] = false;
                        return false;
                    }
                    if (!map.hasRoomFor(h.recordsCount())) {
                        end[0] = h.baseOffset();
                        return false;
                    }
                    for (RecordBatch batch : MemoryRecords.readableRecords(LiveBatches.copyOf(bytes, pos, size))
                            .batches()) {
                        for (Record r : batch) {
                            if (r.hasKey() && r.offset() >= firstDirty) {
                                map.put(r.key(), r.offset());
                            }
                        }
                    }
                    chunk[0] += size;
                    stats[0] += size;
                    stats[2]++;
                    return true;
                });
                return true;
            });
            if (!ok) {
                return firstDirty;
            }
            throttler.acquire(chunk[0]);
        }
        return end[0];
    }

    /** Copies the live batches into the new generation, filtering those below the pass's end. */
    private final class Copier {
        private final Start start;
        private final long end;
        private final MemoryRecords.RecordFilter filter;
        private final QueueHandle out;
        private final long[] stats;
        private long lastCopied = -1;
        private int copiedBatches;
        private ByteBuffer scratch = ByteBuffer.allocate(64 * 1024);

        Copier(Start start, long end, long now, QueueHandle out, long[] stats) {
            this.start = start;
            this.end = end;
            this.out = out;
            this.stats = stats;
            Map<Long, Long> lastOfProducer = start.lastBatchOfProducer();
            this.filter = new MemoryRecords.RecordFilter(now, l.config().cleanup().deleteRetentionMs()) {
                @Override
                protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
                    boolean producersLast = batch.hasProducerId()
                            && Long.valueOf(batch.lastOffset()).equals(lastOfProducer.get(batch.producerId()));
                    return new BatchRetentionResult(producersLast ? BatchRetention.RETAIN_EMPTY
                            : BatchRetention.DELETE_EMPTY, false);
                }

                @Override
                protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
                    if (!record.hasKey()) {
                        return false; // Kafka's cleaner drops keyless records left from before compaction
                    }
                    return CleanerPlanner.retain(record.offset(), map.get(record.key()), !record.hasValue(),
                            batch.deleteHorizonMs().orElse(-1), now);
                }
            };
        }

        /** Copies a chunk at a time under the read lock, throttled; false if the log changed meanwhile. */
        boolean copyUnlocked() throws InterruptedException {
            boolean[] more = {true};
            while (more[0]) {
                long[] chunk = {0};
                Boolean ok = underRead(() -> {
                    if (l.contents().changes() != start.changes()) {
                        return false;
                    }
                    more[0] = false;
                    copyFrom(size -> {
                        if (chunk[0] >= CHUNK_BYTES) {
                            more[0] = true;
                            return false;
                        }
                        chunk[0] += size;
                        return true;
                    });
                    return true;
                });
                if (!ok) {
                    return false;
                }
                throttler.acquire(chunk[0] * 2);
            }
            return true;
        }

        /** Copies what is left, under the write lock. */
        void copyRest() {
            copyFrom(size -> true);
        }

        private void copyFrom(java.util.function.IntPredicate admit) {
            long from = lastCopied;
            l.contents().live().forEach(start.logStartOffset(), from, (idx, bytes, pos, size, h) -> {
                if (idx <= lastCopied && lastCopied >= 0) {
                    return true; // the excerpt the previous chunk ended with
                }
                if (!admit.test(size)) {
                    return false;
                }
                out.pinCycle(l.queue().cycleOf(idx));
                if (++copiedBatches == 5) {
                    stepHook.accept("copying"); // some batches are in the new generation's files
                }
                ByteBuffer batch = LiveBatches.copyOf(bytes, pos, size);
                stats[0] += size;
                stats[2]++;
                if (h.lastOffset() < end) {
                    writeFiltered(batch, size);
                } else {
                    out.append(batch, 0, size);
                    stats[1] += size;
                    stats[3]++;
                }
                lastCopied = idx;
                return true;
            });
        }

        private void writeFiltered(ByteBuffer batch, int size) {
            if (scratch.capacity() < size) {
                scratch = ByteBuffer.allocate(Math.max(size, scratch.capacity() * 2));
            }
            scratch.clear();
            MemoryRecords.FilterResult r = MemoryRecords.readableRecords(batch).filterTo(filter, scratch,
                    BufferSupplier.NO_CACHING);
            ByteBuffer filtered = r.outputBuffer();
            if (filtered != scratch) {
                scratch = filtered; // filterTo grew it
            }
            filtered.flip();
            int pos = filtered.position();
            while (pos < filtered.limit()) {
                int batchSize = filtered.getInt(pos + 8) + BatchHeader.LOG_OVERHEAD;
                out.append(filtered, pos, batchSize);
                stats[1] += batchSize;
                stats[3]++;
                pos += batchSize;
            }
        }
    }

    private boolean unchanged(Start start) {
        return l.contents().changes() == start.changes() && l.state().generation() == start.generation();
    }

    /**
     * Runs {@code read} under the read lock with the queue open. Opening a closed queue needs the
     * write lock, so it is opened first; if the {@link LogManager} closes it again before the read
     * lock is taken, the pass tries again (a bounded number of times).
     */
    private <T> T underRead(java.util.function.Supplier<T> read) {
        for (int attempt = 0; attempt < 10; attempt++) {
            l.ensureOpen().run();
            l.lock().readLock().lock();
            try {
                if (l.queue().isOpen()) {
                    return read.get();
                }
            } finally {
                l.lock().readLock().unlock();
            }
        }
        throw new org.apache.kafka.common.errors.KafkaStorageException("The queue of " + l.topicPartition()
                + " keeps being closed under the cleaner");
    }
}
