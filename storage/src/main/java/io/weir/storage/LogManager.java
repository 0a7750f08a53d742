package io.weir.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns a data directory of partition logs, one sub-directory per partition named
 * {@code <topic>-<partition>} as in Kafka. Logs open lazily on first use, and about
 * {@code maxOpenQueues} Chronicle queues at most are open at once, so a node can hold many
 * thousands of partitions within its file-handle and memory-map limits: above
 * {@link OpenQueuePolicy#closeAbove} open queues, the {@code weir-queue-closer} thread closes
 * queues that are not in use ({@link OpenQueuePolicy}: idle ones first, never by order of use)
 * down to {@link OpenQueuePolicy#closeDownTo}, so the threads that read and write (request
 * handlers, replica fetchers) do not pay for closing; only if the closer falls behind and the
 * bound is reached does the opening thread close some itself. A log whose queue was closed keeps
 * its offsets and index in memory and reopens the queue on its next read or write.
 *
 * <p>Every append to a log of the directory claims its bytes from the directory's
 * {@link DiskSpace} guard first; {@link #isWritable()} says whether the directory takes appends.
 */
public final class LogManager implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);
    public static final int DEFAULT_MAX_OPEN_QUEUES = 1000;
    /** Bounds of {@link #maxOpenQueuesWithin}. */
    static final int MIN_OPEN_QUEUES = 64;
    static final int MAX_OPEN_QUEUES = 100_000;
    private static final String DELETE_SUFFIX = "-delete";
    /** A queue not read or written for this long is idle: the first to be closed. */
    static final long QUEUE_IDLE_MS = 10_000;

    private final Path dataDir;
    private final LogConfig defaultConfig;
    private final Clock clock;
    private final int maxOpenQueues;
    private final DiskSpace space;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    /** Logs with an open queue. */
    private final Set<PartitionLog> openQueues = ConcurrentHashMap.newKeySet();
    /** Held by a pass closing queues; a second one skips rather than waits. */
    private final java.util.concurrent.locks.ReentrantLock closingPass = new java.util.concurrent.locks.ReentrantLock();
    /** Whether a closing pass is queued on the closer and has not started yet. */
    private final java.util.concurrent.atomic.AtomicBoolean passQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** Seeds the closing passes' random choices. Guarded by closingPass. */
    private long passes;
    /** Closes queues above the bound, off the threads that read and write. */
    private final java.util.concurrent.ExecutorService closer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "weir-queue-closer");
        t.setDaemon(true);
        return t;
    });
    /** Deletes the files of deleted logs, after their directories were renamed away. */
    private final java.util.concurrent.ExecutorService deleter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "weir-log-deleter");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param space the data directory's free-space guard; null for one on {@code dataDir}'s file
     *              system with {@link DiskSpace#DEFAULT_RESERVE_BYTES}
     */
    public LogManager(Path dataDir, LogConfig defaultConfig, Clock clock, int maxOpenQueues, DiskSpace space) {
        if (maxOpenQueues < 1) {
            throw new IllegalArgumentException("maxOpenQueues must be at least 1");
        }
        this.dataDir = dataDir;
        this.defaultConfig = defaultConfig;
        this.clock = clock;
        this.maxOpenQueues = maxOpenQueues;
        this.space = space != null ? space : DiskSpace.of(dataDir, DiskSpace.DEFAULT_RESERVE_BYTES);
        try {
            Files.createDirectories(dataDir);
            try (Stream<Path> children = Files.list(dataDir)) {
                children.filter(p -> p.getFileName().toString().endsWith(DELETE_SUFFIX))
                        .forEach(Dirs::deleteRecursively);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot use data directory " + dataDir, e);
        }
    }

    public LogManager(Path dataDir, LogConfig defaultConfig, Clock clock, int maxOpenQueues) {
        this(dataDir, defaultConfig, clock, maxOpenQueues, null);
    }

    public LogManager(Path dataDir, LogConfig defaultConfig) {
        this(dataDir, defaultConfig, Clock.systemUTC(), DEFAULT_MAX_OPEN_QUEUES);
    }

    /**
     * How many Chronicle queues a process may keep open within its limits. An open queue holds two
     * file descriptors (its {@code metadata.cq4t} and its roll file, each kept open by Chronicle for
     * its mapping) and two memory maps (one per file; more while a log's readers and writer are in
     * different 16 MiB chunks or roll files), counted from {@code /proc} (docs/ARCHITECTURE.md, "Many
     * partitions"). Queues may take three quarters of each limit, at two descriptors and four maps
     * apiece; the rest is left to sockets, the metadata log and the JVM. A node whose partitions in
     * use cannot all stay open closes and reopens queues as they are used (see
     * {@link OpenQueuePolicy}), which costs a fraction of a millisecond of CPU each, so the bound
     * should be as high as the limits allow.
     */
    public static int maxOpenQueuesWithin(long maxFileDescriptors, long maxMapCount) {
        long byFds = maxFileDescriptors / 4 * 3 / 2;
        long byMaps = maxMapCount / 4 * 3 / 4;
        return (int) Math.max(MIN_OPEN_QUEUES, Math.min(MAX_OPEN_QUEUES, Math.min(byFds, byMaps)));
    }

    /**
     * {@link #maxOpenQueuesWithin} this JVM's file-descriptor limit and Linux's
     * {@code vm.max_map_count}; {@link #DEFAULT_MAX_OPEN_QUEUES} where either is unknown.
     */
    public static int maxOpenQueuesForThisProcess() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof com.sun.management.UnixOperatingSystemMXBean unix)) {
            return DEFAULT_MAX_OPEN_QUEUES;
        }
        try {
            return maxOpenQueuesWithin(unix.getMaxFileDescriptorCount(), readProcNumber(Path.of("/proc/sys/vm/max_map_count")));
        } catch (IOException | RuntimeException e) {
            return DEFAULT_MAX_OPEN_QUEUES;
        }
    }

    /**
     * A number from a {@code /proc} file. Not {@code Files.readString}: it sizes its first read by the
     * file's size, which procfs reports as 0, so it reads one byte, and a sysctl file answers a read
     * at a non-zero offset with end of file: {@code vm.max_map_count} 65530 read as 6, which made
     * every node's open-queue bound the minimum, 64.
     */
    static long readProcNumber(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return Long.parseLong(new String(in.readNBytes(64), java.nio.charset.StandardCharsets.US_ASCII).trim());
        }
    }

    /** The data directory's free-space guard. */
    public DiskSpace diskSpace() {
        return space;
    }

    /**
     * Whether the directory takes appends: not full (see {@link DiskSpace}) and no log refusing
     * appends after a failed write. Re-samples the free space when the last sample is stale; once
     * there is room, logs whose write failed resume here (at most once a second each), also those
     * nobody appends to.
     */
    public boolean isWritable() {
        if (space.isFull()) {
            return false;
        }
        boolean writable = true;
        for (PartitionLog log : logs.values()) {
            if (log.writeFailed()) {
                writable &= log.resumeIfPossible();
            }
        }
        return writable;
    }

    public Path dataDir() {
        return dataDir;
    }

    public LogConfig defaultConfig() {
        return defaultConfig;
    }

    /** The log of {@code tp}, creating it with {@code config} if it does not exist yet. */
    public PartitionLog getOrCreate(TopicPartition tp, LogConfig config) {
        return logs.computeIfAbsent(tp, k -> open(k, config));
    }

    private PartitionLog open(TopicPartition tp, LogConfig config) {
        return new PartitionLog(tp, dirOf(tp), config, clock, this, space);
    }

    /**
     * The log of {@code tp} if it exists on disk, opened with the default config if it was not open
     * yet. Atomic with {@link #delete} for the same partition: a log being deleted is not opened
     * again from the directory about to be renamed away (it would live on in this map with its
     * directory gone, and the next open of its queue would create that directory anew).
     */
    public Optional<PartitionLog> get(TopicPartition tp) {
        PartitionLog open = logs.get(tp);
        if (open != null) {
            return Optional.of(open);
        }
        return Optional.ofNullable(logs.computeIfAbsent(tp,
                k -> Files.isDirectory(dirOf(k)) ? open(k, defaultConfig) : null));
    }

    /** Every partition with a log in the data directory. */
    public Set<TopicPartition> partitions() {
        Set<TopicPartition> result = new TreeSet<>((a, b) -> a.topic().equals(b.topic())
                ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
        result.addAll(logs.keySet());
        try (Stream<Path> children = Files.list(dataDir)) {
            children.filter(Files::isDirectory)
                    .map(p -> parse(p.getFileName().toString()))
                    .flatMap(Optional::stream)
                    .forEach(result::add);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dataDir, e);
        }
        return result;
    }

    /** Closes (without a checkpoint) and deletes the log of {@code tp}; a no-op if it has none. */
    public void delete(TopicPartition tp) {
        Path dir = dirOf(tp);
        Path doomed = dataDir.resolve(dir.getFileName() + "." + UUID.randomUUID() + DELETE_SUFFIX);
        boolean[] renamed = {false};
        IOException[] failed = {null};
        // Under the map's lock for tp, so that get() cannot open the log again from its directory
        // between the close and the rename.
        RuntimeException[] closeFailed = {null};
        logs.compute(tp, (k, removed) -> {
            // The entry goes whatever happens: a log left in the map closed would answer every
            // later use of the partition with LogClosedException until a restart.
            if (removed != null) {
                try {
                    removed.discard();
                } catch (RuntimeException e) {
                    closeFailed[0] = e;
                }
            }
            if (Files.exists(dir)) {
                try {
                    Files.move(dir, doomed);
                    renamed[0] = true;
                } catch (IOException e) {
                    failed[0] = e;
                }
            }
            return null;
        });
        if (closeFailed[0] != null) {
            log.warn("Closing the log of {} before deleting it failed; deleting it anyway", tp, closeFailed[0]);
        }
        if (failed[0] != null) {
            throw new UncheckedIOException("Cannot delete " + dir, failed[0]);
        }
        if (!renamed[0]) {
            return;
        }
        // The rename is the commit point (a restart deletes what is left of a "-delete" directory):
        // the files go in the background, so deleting a topic of thousands of partitions does not
        // wait for thousands of recursive deletions.
        try {
            deleter.execute(() -> {
                try {
                    Dirs.deleteRecursively(doomed);
                } catch (RuntimeException e) {
                    log.warn("Could not delete {} (the log of {}); the next start tries again", doomed, tp, e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            Dirs.deleteRecursively(doomed);
        }
        log.info("Deleted the log of {}", tp);
    }

    /** Runs retention on every log. @return roll files deleted */
    public int applyRetention() {
        int deleted = 0;
        for (TopicPartition tp : partitions()) {
            Optional<PartitionLog> l = get(tp);
            if (l.isPresent()) {
                try {
                    deleted += l.get().applyRetention();
                } catch (LogClosedException e) {
                    // Deleted since it was listed: nothing to retain; the others go on.
                }
            }
        }
        return deleted;
    }

    /** The logs opened so far (the log cleaner's candidates). */
    java.util.Collection<PartitionLog> openLogs() {
        return List.copyOf(logs.values());
    }

    /** Persists the high watermark of every open log that moved since its last checkpoint. */
    public void checkpointHighWatermarks() {
        logs.values().forEach(PartitionLog::checkpointHighWatermark);
    }

    /** Number of Chronicle queues open right now (at most maxOpenQueues, give or take busy ones). */
    public int openQueueCount() {
        return openQueues.size();
    }

    /** Rough heap held by the open logs' in-memory state. */
    public long heapBytesEstimate() {
        return logs.values().stream().mapToLong(PartitionLog::heapBytesEstimate).sum();
    }

    @Override
    public void close() {
        closer.shutdownNow();
        deleter.shutdown();
        try {
            // Bounded: whatever is left is deleted at the next start.
            closer.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS); // a running pass only tryLocks
            deleter.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int unwritten = 0;
        for (Iterator<PartitionLog> it = logs.values().iterator(); it.hasNext(); ) {
            PartitionLog l = it.next();
            l.close();
            if (l.statePending()) {
                unwritten++;
            }
            it.remove();
        }
        if (unwritten > 0) {
            log.warn("Could not write partition.state of {} partition(s) in {} on close ({}): their high-watermark"
                    + " checkpoints are older; a leader's high watermark catches up with its ISR after the restart",
                    unwritten, dataDir, space.isFull() ? "the file system is full" : "see the earlier warnings");
        }
    }

    /**
     * Called by a log that opened its queue, under its write lock. Above the high mark a closing
     * pass is queued on the closer thread; only at the bound (the closer fell behind) does this
     * thread close queues itself, unless a pass is running already.
     */
    void queueOpened(PartitionLog opened) {
        openQueues.add(opened);
        int open = openQueues.size();
        if (open > maxOpenQueues) {
            closeQueuesNotInUse(opened);
        } else if (open > OpenQueuePolicy.closeAbove(maxOpenQueues) && passQueued.compareAndSet(false, true)) {
            try {
                closer.execute(() -> {
                    passQueued.set(false);
                    closeQueuesNotInUse(null);
                });
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                passQueued.set(false);
            }
        }
    }

    void queueClosed(PartitionLog closed) {
        openQueues.remove(closed);
    }

    /**
     * One closing pass, if still above the high mark: the queues {@link OpenQueuePolicy} names are
     * closed, each only if its log is not busy right now (a busy one stays open for a later pass).
     * Passes only try the victims' locks, so an opener holding its own log's lock may wait for a
     * running pass without risk of deadlock.
     *
     * @param opener the log whose opening reached the bound, on this thread (it waits for a running
     *     pass, then checks again, and is never a victim: its queue is in use), or null for the closer
     * @return queues closed
     */
    int closeQueuesNotInUse(PartitionLog opener) {
        if (opener != null) {
            closingPass.lock();
        } else if (!closingPass.tryLock()) {
            return 0;
        }
        try {
            if (openQueues.size() <= OpenQueuePolicy.closeAbove(maxOpenQueues)) {
                return 0;
            }
            List<OpenQueuePolicy.OpenQueue<PartitionLog>> open = new ArrayList<>(openQueues.size());
            for (PartitionLog l : openQueues) {
                if (l != opener) {
                    open.add(new OpenQueuePolicy.OpenQueue<>(l, l.lastUsedMs()));
                }
            }
            int closed = 0;
            int keep = OpenQueuePolicy.closeDownTo(maxOpenQueues) - (open.size() < openQueues.size() ? 1 : 0);
            for (PartitionLog victim : OpenQueuePolicy.victims(open, keep, clock.millis(), QUEUE_IDLE_MS, passes++)) {
                if (victim.closeQueueIfIdle()) {
                    closed++;
                }
            }
            return closed;
        } finally {
            closingPass.unlock();
        }
    }

    private Path dirOf(TopicPartition tp) {
        return dataDir.resolve(tp.topic() + "-" + tp.partition());
    }

    static Optional<TopicPartition> parse(String dirName) {
        int dash = dirName.lastIndexOf('-');
        if (dash <= 0 || dash == dirName.length() - 1) {
            return Optional.empty();
        }
        try {
            int partition = Integer.parseInt(dirName.substring(dash + 1));
            return partition < 0 ? Optional.empty() : Optional.of(new TopicPartition(dirName.substring(0, dash), partition));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
