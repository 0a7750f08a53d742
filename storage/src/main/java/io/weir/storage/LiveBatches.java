package io.weir.storage;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.Jvm;
import net.openhft.chronicle.core.UnsafeMemory;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Kafka batches over a {@link QueueHandle}'s excerpts: appends write them, one excerpt per
 * batch; reads, timestamp lookups and truncation scan the live ones, that is neither in a
 * dead range nor wholly below the log start offset. Used under {@link PartitionLog}'s lock.
 */
final class LiveBatches {
    private final QueueHandle queue;
    private final DeadRanges dead;

    /** Called with each live batch of a scan; the bytes are valid only during the call. */
    @FunctionalInterface
    interface BatchVisitor {
        /** @return false to stop the scan */
        boolean visit(long excerptIndex, Bytes<?> bytes, long position, int size, BatchHeader header);
    }

    /** Where a truncation cuts: the excerpt of the first batch it removes, and that batch's base offset. */
    record Cut(long excerptIndex, long baseOffset) {
    }

    LiveBatches(QueueHandle queue, DeadRanges dead) {
        this.queue = queue;
        this.dead = dead;
    }

    /**
     * Writes every batch of {@code records} as one excerpt each, then adds them to
     * {@code batches}: if a write fails, {@code batches} is as it was before the call (the
     * caller marks whatever reached the queue dead).
     *
     * @param logAppendTime the time stamped on the batches, or -1
     */
    LogAppendInfo append(MemoryRecords records, long logAppendTime, LiveBatchIndex batches, int indexIntervalBytes) {
        ByteBuffer buf = records.buffer();
        int start = buf.position();
        int end = buf.limit();
        long[] written = new long[4];
        int count = 0;
        for (int pos = start; pos < end; ) {
            int size = buf.getInt(pos + 8) + BatchHeader.LOG_OVERHEAD; // validated before the lock
            if (count == written.length) {
                written = Arrays.copyOf(written, count * 2);
            }
            written[count++] = queue.append(buf, pos, size);
            pos += size;
        }
        long first = -1;
        long last = -1;
        long maxTs = RecordBatch.NO_TIMESTAMP;
        int pos = start;
        for (int i = 0; i < count; i++) {
            BatchHeader h = BatchHeader.read(buf, pos);
            batches.accept(written[i], queue.cycleOf(written[i]), h, indexIntervalBytes);
            if (first < 0) {
                first = h.baseOffset();
            }
            last = h.lastOffset();
            maxTs = Math.max(maxTs, h.maxTimestamp());
            pos += h.sizeInBytes();
        }
        return new LogAppendInfo(first, last, maxTs, logAppendTime, end - start, false);
    }

    /** Visits live batches in order from Chronicle index {@code fromIndex} (or the start, if negative). */
    void forEach(long logStartOffset, long fromIndex, BatchVisitor visitor) {
        queue.forEachExcerpt(fromIndex, (idx, bytes, pos, size) -> {
            if (dead.contains(idx)) {
                return true;
            }
            BatchHeader h = readHeader(bytes, pos, size);
            if (h == null || h.lastOffset() < logStartOffset) {
                return true;
            }
            return visitor.visit(idx, bytes, pos, size, h);
        });
    }

    /**
     * Copies whole batches, from the one containing {@code fetchOffset}, into one buffer of
     * {@code capacity} bytes from {@code memory}, stopping before a batch that reaches
     * {@code maxOffsetExclusive} or does not fit. With {@code minOneMessage}, a first batch
     * larger than the buffer is returned alone in a buffer of its size, as Kafka does. The buffer
     * is asked for at the first batch that qualifies, so a read that copies nothing takes none.
     *
     * @return the batches, ready to read, or null if none qualified
     */
    ByteBuffer copy(long logStartOffset, long fromIndex, long fetchOffset, long maxOffsetExclusive, int capacity,
                    boolean minOneMessage, ReadMemory memory) {
        ByteBuffer[] out = {null};
        long skipBelow = Math.max(logStartOffset, fetchOffset);
        // The hot loop of a fetch: the filter of forEach, on the one header field it needs, with no
        // header object per batch.
        queue.forEachExcerpt(fromIndex, (idx, bytes, pos, size) -> {
            if (size < BatchHeader.SIZE || dead.contains(idx)) {
                return true;
            }
            long lastOffset = lastOffset(bytes, pos);
            if (lastOffset < skipBelow) {
                return true;
            }
            if (lastOffset >= maxOffsetExclusive) {
                return false;
            }
            if (out[0] == null) {
                if (size > capacity && !minOneMessage) {
                    return false;
                }
                // Kafka's "min one message": a first batch above maxBytes comes alone.
                out[0] = memory.allocate(Math.max(size, capacity));
            } else if (size > out[0].remaining()) {
                return false;
            }
            copyInto(bytes, pos, size, out[0]);
            return true;
        });
        return out[0] == null || out[0].position() == 0 ? null : out[0].flip();
    }

    /**
     * One bulk copy (a memcpy) of an excerpt's bytes to {@code out}'s position, which it advances.
     * A fault on the mapped page (its file truncated, its disk full) surfaces here, in storage, as
     * an {@code InternalError}, never later on a thread that writes {@code out} to a socket.
     */
    private static void copyInto(Bytes<?> bytes, long pos, int size, ByteBuffer out) {
        int at = out.position();
        if (out.hasArray()) {
            bytes.read(pos, out.array(), out.arrayOffset() + at, size);
        } else if (bytes.isDirectMemory()) {
            UnsafeMemory.MEMORY.copyMemory(bytes.addressForRead(pos, size), Jvm.address(out) + at, size);
        } else {
            byte[] staged = new byte[size];
            bytes.read(pos, staged, 0, size);
            out.put(at, staged);
        }
        out.position(at + size);
    }

    /** A stored batch's last offset: base offset plus last offset delta (little-endian in the mapped file). */
    private static long lastOffset(Bytes<?> bytes, long pos) {
        return Long.reverseBytes(bytes.readLong(pos)) + Integer.reverseBytes(bytes.readInt(pos + 23));
    }

    /** The first record at or after {@code logStartOffset} whose timestamp is ≥ {@code timestamp}. */
    Optional<TimestampAndOffset> firstRecordAtOrAfter(long logStartOffset, long fromIndex, long timestamp) {
        if (fromIndex < 0) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        Optional<TimestampAndOffset>[] found = new Optional[] {Optional.empty()};
        forEach(logStartOffset, fromIndex, (idx, bytes, pos, size, h) -> {
            if (h.maxTimestamp() < timestamp) {
                return true;
            }
            for (RecordBatch batch : MemoryRecords.readableRecords(copyOf(bytes, pos, size)).batches()) {
                for (Record r : batch) {
                    if (r.timestamp() >= timestamp && r.offset() >= logStartOffset) {
                        found[0] = Optional.of(new TimestampAndOffset(r.timestamp(), r.offset(),
                                batch.partitionLeaderEpoch()));
                        return false;
                    }
                }
            }
            return true;
        });
        return found[0];
    }

    /** The first live batch that holds {@code offset} or starts after it, if any. */
    Optional<Cut> cutAt(long logStartOffset, long fromIndex, long offset) {
        Cut[] cut = {null};
        forEach(logStartOffset, fromIndex, (idx, bytes, pos, size, h) -> {
            if (h.lastOffset() >= offset) {
                cut[0] = new Cut(idx, h.baseOffset());
                return false;
            }
            return true;
        });
        return Optional.ofNullable(cut[0]);
    }

    /**
     * Reads a batch header in place from memory-mapped bytes (which are little-endian; Kafka's
     * are big-endian).
     *
     * @return null if the excerpt is too short to hold one
     */
    static BatchHeader readHeader(Bytes<?> bytes, long pos, int size) {
        if (size < BatchHeader.SIZE) {
            return null;
        }
        return new BatchHeader(
                Long.reverseBytes(bytes.readLong(pos)),
                Integer.reverseBytes(bytes.readInt(pos + 8)) + BatchHeader.LOG_OVERHEAD,
                Integer.reverseBytes(bytes.readInt(pos + 12)),
                bytes.readByte(pos + 16),
                Integer.reverseBytes(bytes.readInt(pos + 23)),
                Long.reverseBytes(bytes.readLong(pos + 35)),
                Long.reverseBytes(bytes.readLong(pos + 43)),
                Short.reverseBytes(bytes.readShort(pos + 51)),
                Integer.reverseBytes(bytes.readInt(pos + 53)),
                Integer.reverseBytes(bytes.readInt(pos + 57)));
    }

    /** A heap copy of an excerpt's bytes, for kafka-clients' batch classes. */
    static ByteBuffer copyOf(Bytes<?> bytes, long pos, int size) {
        byte[] copy = new byte[size];
        bytes.read(pos, copy, 0, size);
        return ByteBuffer.wrap(copy);
    }
}
