package io.weir.storage;

import java.io.File;
import net.openhft.chronicle.queue.impl.TableStore;
import net.openhft.chronicle.queue.impl.single.TableStoreWriteLock;
import net.openhft.chronicle.queue.impl.table.Metadata;
import net.openhft.chronicle.queue.impl.table.SingleTableBuilder;
import net.openhft.chronicle.threads.Pauser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.core.UnsafeMemory;
import sun.misc.Unsafe;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The Chronicle side of one partition log: the queue directory of the current generation
 * ({@code queue-<generation>}), the queue with its one appender, a small pool of tailers
 * for readers, and the roll files. It knows excerpts, not Kafka batches.
 *
 * <p>Threading: {@link PartitionLog} opens, closes, appends and deletes under its write
 * lock; readers under the read lock only borrow and return tailers, and the pool is
 * synchronised for them. The appender's single-thread check is off because the write lock,
 * not a thread, is what makes it single-writer.
 *
 * <p>Resident memory: Chronicle keeps a 16 MiB chunk (plus a quarter of overlap) of a roll file
 * mapped while any appender, tailer or the roll file's own header access holds it, and the first
 * chunk is held as long as the roll file is open, so every page written or read there would count
 * in the node's RSS. The appender and each pooled tailer therefore drop the pages they have moved
 * past ({@link AppenderPages}, {@link MappedPages}): the bytes stay in the page cache, as Kafka's do.
 */
final class QueueHandle {
    private static final int MAX_IDLE_TAILERS = 4;
    private static final int COPY_PIECE = 1 << 20;
    private static final String DIR_PREFIX = "queue-";
    /** No excerpt index: Chronicle's are never negative. */
    private static final long UNKNOWN = Long.MIN_VALUE;

    /** Called with each excerpt of a scan; the bytes are valid only during the call. */
    @FunctionalInterface
    interface ExcerptVisitor {
        /** @return false to stop the scan */
        boolean visit(long excerptIndex, Bytes<?> bytes, long position, int size);
    }

    private final Path partitionDir;
    /** The queue's roll cycle: the one asked for, or the one an existing queue was created with. */
    private volatile RollCycle rollCycle;
    private final Clock clock;
    private final Runnable onOpened;
    private final Runnable onClosed;
    private final ArrayDeque<PooledTailer> idleTailers = new ArrayDeque<>();
    /** Roll files Chronicle reported acquiring, by cycle. */
    private final Map<Integer, File> cycleFiles = new ConcurrentHashMap<>();

    private long generation;
    /** While at least 0, the time Chronicle is told instead of the clock's: a compaction writing an old cycle. */
    private volatile long pinnedTime = -1;
    private SingleChronicleQueue queue;
    private ExcerptAppender appender;
    /** The cycle whose roll file the appender was last prepared for; reset when the queue opens. */
    private int preparedCycle = Integer.MIN_VALUE;
    private final AppenderPages appenderPages = new AppenderPages();

    /**
     * @param onOpened called after each open (the {@link LogManager} counts open queues)
     * @param onClosed called after each close
     */
    QueueHandle(Path partitionDir, RollCycle rollCycle, Clock clock, Runnable onOpened, Runnable onClosed) {
        this.partitionDir = partitionDir;
        this.rollCycle = rollCycle;
        this.clock = clock;
        this.onOpened = onOpened;
        this.onClosed = onClosed;
    }

    boolean isOpen() {
        return queue != null;
    }

    /**
     * Releases Chronicle's write locks of generation {@code gen}'s queue, which a write that
     * faulted mid-excerpt (SIGBUS on a full disk, surfacing as InternalError wherever the thread
     * was) can leave held by this process: every later append would then wait 15 s for the lock
     * and fail. What Chronicle's own {@code UnlockMain} does, called with the queue closed and the
     * log's write lock held, so no appender of this process is writing.
     */
    void forceUnlockWriters(long gen) {
        assert queue == null : "queue still open";
        File metadata = dirOf(gen).resolve("metadata.cq4t").toFile();
        if (!metadata.exists()) {
            return;
        }
        try (TableStore<?> store = SingleTableBuilder.binary(metadata, Metadata.NoMeta.INSTANCE).readOnly(false).build();
             TableStoreWriteLock append = new TableStoreWriteLock(store, Pauser::balanced, 0L,
                     TableStoreWriteLock.APPEND_LOCK_KEY);
             TableStoreWriteLock write = new TableStoreWriteLock(store, Pauser::balanced, 0L)) {
            append.forceUnlock();
            write.forceUnlock();
        }
    }

    /** Opens (creating if needed) the queue of {@code gen}; {@code blockSize} is Chronicle's mapping chunk. */
    void open(long gen, long blockSize) {
        assert queue == null : "queue already open";
        StoreFileListener listener = new StoreFileListener() {
            @Override
            public void onAcquired(int cycle, File file) {
                cycleFiles.put(cycle, file);
            }

            @Override
            public void onReleased(int cycle, File file) {
                // The file stays ours until retention deletes it.
            }
        };
        generation = gen;
        preparedCycle = Integer.MIN_VALUE;
        PrecreatedRollFile.deleteStray(dirOf(gen));
        queue = SingleChronicleQueueBuilder.single(dirOf(gen).toFile())
                .rollCycle(rollCycle)
                .blockSize(blockSize)
                .timeProvider(() -> pinnedTime >= 0 ? pinnedTime : clock.millis())
                .storeFileListener(listener)
                .build();
        // Chronicle keeps the cycle an existing queue was created with, whatever the builder says.
        rollCycle = queue.rollCycle();
        onOpened.run();
    }

    /** Closes the queue; also after a failed write, when closing the appender may fail too. */
    void close() {
        try {
            closeIdleTailers();
            if (appender != null) {
                ExcerptAppender a = appender;
                appender = null;
                appenderPages.close();
                a.close();
            }
        } finally {
            try {
                if (queue != null) {
                    SingleChronicleQueue q = queue;
                    queue = null;
                    q.close();
                }
            } finally {
                onClosed.run();
            }
        }
    }

    /** Closes the current generation, deletes its directory and opens an empty one for {@code newGen}. */
    void startGeneration(long newGen, long blockSize) {
        long old = generation;
        close();
        cycleFiles.clear();
        Dirs.deleteRecursively(dirOf(old));
        open(newGen, blockSize);
    }

    /**
     * Makes the next appends go into the roll file of {@code cycle} (a compaction copying a batch
     * into the cycle it came from); cycles must be pinned in increasing order.
     */
    void pinCycle(int cycle) {
        pinnedTime = (long) cycle * rollCycle.lengthInMillis();
    }

    /**
     * Closes the current generation, deletes its directory and opens {@code newGen}, which a
     * compaction has filled and made the current one in {@code partition.state}.
     */
    void switchTo(long newGen, long blockSize) {
        long old = generation;
        close();
        cycleFiles.clear();
        Dirs.deleteRecursively(dirOf(old));
        open(newGen, blockSize);
    }

    /** Deletes the directory of generation {@code gen}, which must not be open (an abandoned compaction). */
    void deleteGeneration(long gen) {
        assert queue == null || gen != generation : "deleting the open generation";
        Dirs.deleteRecursively(dirOf(gen));
    }

    /** Forces every file of generation {@code gen}'s directory, and the directory, to disk. */
    void forceToDisk(long gen) {
        Path d = dirOf(gen);
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            AtomicFile.forceDirectory(d);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot force " + d + " to disk", e);
        }
    }

    /** Deletes queue directories of other generations: left behind by a crash during a full truncation. */
    void removeOtherGenerations(long current) {
        String keep = dirOf(current).getFileName().toString();
        try (Stream<Path> children = Files.list(partitionDir)) {
            for (Path p : (Iterable<Path>) children::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(DIR_PREFIX) && !name.equals(keep)) {
                    Dirs.deleteRecursively(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + partitionDir, e);
        }
    }

    /**
     * Writes {@code size} bytes of {@code buf} from {@code pos} as one excerpt. If the write
     * fails (a store into a mapped page with no disk behind it surfaces as an InternalError),
     * the excerpt is rolled back rather than completed: its header is cleared, so it never
     * appears, torn, in the queue.
     *
     * @return its index
     */
    long append(ByteBuffer buf, int pos, int size) {
        ExcerptAppender a = appender();
        Bytes<?> out;
        long from;
        try (DocumentContext dc = a.writingDocument()) {
            try {
                out = dc.wire().bytes();
                from = out.writePosition();
                if (buf.hasArray()) {
                    writeArray(out, buf.array(), buf.arrayOffset() + pos, size);
                } else {
                    ByteBuffer slice = buf.duplicate();
                    slice.limit(pos + size).position(pos);
                    out.writeSome(slice);
                    if (slice.hasRemaining()) {
                        throw new IllegalStateException("Chronicle accepted only part of a " + size + "-byte batch");
                    }
                }
            } catch (RuntimeException | Error e) {
                // Without this, closing the context would mark the half-written excerpt complete.
                dc.rollbackOnClose();
                throw e;
            }
        }
        appenderPages.appended(out, from, from + size);
        return a.lastIndexAppended();
    }

    /**
     * Copies a heap batch into the excerpt being written. Chronicle's own {@code write(byte[])}
     * copies heap to native memory in a Java loop of 8-byte moves on Java 9+; where the mapped
     * chunk holds the whole batch, one {@code Unsafe.copyMemory} (the JVM's vectorised copy stub,
     * in pieces of at most 1 MiB so a safepoint is never far off) does it for a fraction of the
     * CPU. A fault in the copy (a page with no disk behind it) surfaces as the same InternalError.
     */
    private static void writeArray(Bytes<?> out, byte[] src, int offset, int size) {
        long at = out.writePosition();
        BytesStore<?, ?> chunk = out.bytesStore();
        if (chunk == null || !chunk.isDirectMemory() || !chunk.inside(at, size) || at + size > out.writeLimit()) {
            out.write(src, offset, size);
            return;
        }
        long address = chunk.addressForWrite(at);
        for (int done = 0; done < size; ) {
            int n = Math.min(size - done, COPY_PIECE);
            UnsafeMemory.UNSAFE.copyMemory(src, (long) Unsafe.ARRAY_BYTE_BASE_OFFSET + offset + done, null,
                    address + done, n);
            done += n;
        }
        out.writeSkip(size);
    }

    /**
     * The appender, created on the first write: opening a queue for reads writes nothing. The first
     * write into a cycle whose roll file does not exist yet pre-creates its first pages
     * ({@link PrecreatedRollFile}).
     */
    private ExcerptAppender appender() {
        int cycle = queue.cycle();
        if (cycle != preparedCycle) {
            preparedCycle = cycle;
            PrecreatedRollFile.prepare(PrecreatedRollFile.rollFile(dirOf(generation).toFile(), rollCycle, cycle));
        }
        if (appender == null) {
            appender = queue.createAppender();
            appender.singleThreadedCheckDisabled(true);
        }
        return appender;
    }

    /** Index of the last excerpt written, or -1 for an empty queue. */
    long lastIndex() {
        return queue.lastIndex();
    }

    RollCycle rollCycle() {
        return rollCycle;
    }

    int cycleOf(long excerptIndex) {
        return rollCycle.toCycle(excerptIndex);
    }

    /** The smallest excerpt index a roll file of {@code cycle} can hold. */
    long firstIndexOf(int cycle) {
        return rollCycle.toIndex(cycle, 0);
    }

    /**
     * Visits excerpts in order from index {@code fromIndex}, or from the start if it is negative.
     * A scan that the visitor stops leaves its tailer on the excerpt it stopped at, so the next
     * scan from there (a consumer's next fetch) starts without Chronicle's index lookup and the
     * linear scan of up to 70 excerpt headers that {@code moveToIndex} does from its last move.
     *
     * @throws IllegalStateException if {@code fromIndex} is not in the queue
     */
    void forEachExcerpt(long fromIndex, ExcerptVisitor visitor) {
        PooledTailer pooled = borrowTailer(fromIndex);
        ExcerptTailer tailer = pooled.tailer;
        long stoppedAt = UNKNOWN;
        try {
            if (fromIndex < 0) {
                tailer.toStart();
            } else if (pooled.next != fromIndex && !tailer.moveToIndex(fromIndex)) {
                throw new IllegalStateException("Excerpt " + Long.toHexString(fromIndex) + " in " + partitionDir
                        + " is missing");
            }
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return;
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    long index = dc.index();
                    long position = bytes.readPosition();
                    int size = (int) bytes.readRemaining();
                    if (!visitor.visit(index, bytes, position, size)) {
                        dc.rollbackOnClose(); // stay on this excerpt
                        stoppedAt = index;
                        return;
                    }
                    MappedPages.touched(pooled.pages, bytes, position, position + size);
                }
            }
        } finally {
            pooled.next = stoppedAt;
            returnTailer(pooled);
        }
    }

    /**
     * Deletes the roll files of {@code cycles}. Idle tailers go first, since they may hold
     * a file mapped; a file that cannot be deleted is reported, not fatal.
     *
     * @return the files that could not be deleted
     */
    List<File> deleteRollFiles(List<Integer> cycles) {
        closeIdleTailers();
        List<File> undeleted = new ArrayList<>();
        for (int cycle : cycles) {
            File f = fileOfCycle(cycle);
            if (!f.delete() && f.exists()) {
                undeleted.add(f);
            }
        }
        queue.refreshDirectoryListing();
        return undeleted;
    }

    /**
     * The roll file of a cycle: the one Chronicle reported acquiring, or else the name
     * Chronicle gives it (the roll cycle's date format, in UTC, of the cycle's start, plus
     * ".cq4"); Chronicle does not report every file it acquires in time.
     */
    private File fileOfCycle(int cycle) {
        File known = cycleFiles.remove(cycle);
        if (known != null) {
            return known;
        }
        return PrecreatedRollFile.rollFile(dirOf(generation).toFile(), rollCycle, cycle);
    }

    private Path dirOf(long gen) {
        return partitionDir.resolve(DIR_PREFIX + gen);
    }

    private void closeIdleTailers() {
        synchronized (idleTailers) {
            idleTailers.forEach(PooledTailer::close);
            idleTailers.clear();
        }
    }

    /** An idle tailer already on excerpt {@code fromIndex} if there is one, else any idle or a new one. */
    private PooledTailer borrowTailer(long fromIndex) {
        synchronized (idleTailers) {
            for (Iterator<PooledTailer> it = idleTailers.iterator(); it.hasNext(); ) {
                PooledTailer p = it.next();
                if (p.next == fromIndex) {
                    it.remove();
                    return p;
                }
            }
            PooledTailer p = idleTailers.pollFirst();
            if (p != null) {
                return p;
            }
        }
        ExcerptTailer t = queue.createTailer();
        t.singleThreadedCheckDisabled(true);
        return new PooledTailer(t);
    }

    private void returnTailer(PooledTailer p) {
        p.pages.idle(MappedPages.IDLE_MIN, MappedPages.RELEASE);
        synchronized (idleTailers) {
            if (idleTailers.size() < MAX_IDLE_TAILERS) {
                idleTailers.addLast(p);
                return;
            }
        }
        p.close();
    }

    /** A tailer of the pool and the excerpt it was left on by a stopped scan ({@link #UNKNOWN} if none). */
    private static final class PooledTailer {
        final ExcerptTailer tailer;
        /** The pages this tailer has read and not yet dropped. */
        final TouchedPages<MappedBytesStore> pages = MappedPages.cursor();
        long next = UNKNOWN;

        PooledTailer(ExcerptTailer tailer) {
            this.tailer = tailer;
        }

        void close() {
            pages.finish(MappedPages.RELEASE);
            tailer.close();
        }
    }
}
