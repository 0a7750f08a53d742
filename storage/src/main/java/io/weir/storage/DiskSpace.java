package io.weir.storage;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The free-space guard of one data directory. Chronicle writes batches into memory-mapped
 * pages of sparse roll files, so a full file system surfaces only when a store touches a page
 * with no disk behind it (SIGBUS, an {@code InternalError} in Java). Every append therefore
 * claims its bytes here first, and is refused with {@link KafkaStorageException}
 * (KAFKA_STORAGE_ERROR) when the file system's usable space, minus the bytes, would fall below
 * the <b>reserve</b>: {@code max(reserveBytes, the log's Chronicle block size)}. The reserve
 * covers the pages Chronicle may touch beyond the batch (its next mapping chunk: headers, index
 * arrays, a new roll file), the metadata log that shares the directory, {@code partition.state}
 * files and checkpoints.
 *
 * <p>Cheap: the usable space ({@code statfs}) is sampled at most every {@value #REFRESH_INTERVAL_MS}
 * ms, or sooner once the bytes claimed since the sample reach a quarter of the head-room above
 * the reserve, and again before a refusal; in between, claims are subtracted from the sample.
 * Space used by others between two samples (the metadata log, other processes) is what the
 * reserve absorbs; if they take it all, the failed write is caught by {@link PartitionLog}.
 *
 * <p>Once full (a refusal, or a failed write reported by {@link #reportWriteFailure}), the
 * directory stays full until {@value #RESUME_MARGIN_PERCENT}% more than the reserve is usable
 * again, so appends and leadership do not flap at the edge. State changes are logged once each.
 * Thread-safe: one monitor, held for a few arithmetic steps (and a {@code statfs} per refresh).
 */
public final class DiskSpace {
    private static final Logger log = LoggerFactory.getLogger(DiskSpace.class);
    /** The default reserve: one default Chronicle block (16 MiB) plus 8 MiB for the metadata log and state files. */
    public static final long DEFAULT_RESERVE_BYTES = 24L << 20;
    static final long REFRESH_INTERVAL_MS = 1_000;
    /** A refusal or a full directory re-samples no more often than this. */
    static final long MIN_REFRESH_MS = 100;
    static final int RESUME_MARGIN_PERCENT = 25;

    /** Where the usable bytes come from: the file store in production, a test's numbers otherwise. */
    @FunctionalInterface
    public interface UsableSpace {
        long usableBytes() throws IOException;
    }

    private final Path dir;
    private final UsableSpace source;
    private final long reserveBytes;
    private final LongSupplier nanoClock;

    // Guarded by this.
    private long sampledUsable;
    private long sampledAtNanos;
    private boolean sampled;
    private long claimedSinceSample;
    private boolean full;
    private String fullReason;
    private long refusedSinceFull;

    public DiskSpace(Path dir, UsableSpace source, long reserveBytes, LongSupplier nanoClock) {
        if (reserveBytes < 0) {
            throw new IllegalArgumentException("reserveBytes must not be negative: " + reserveBytes);
        }
        this.dir = dir;
        this.source = source;
        this.reserveBytes = reserveBytes;
        this.nanoClock = nanoClock;
    }

    /** The guard of {@code dir}'s file system, sampled with {@link FileStore#getUsableSpace()}. */
    public static DiskSpace of(Path dir, long reserveBytes) {
        return new DiskSpace(dir, fileStoreOf(dir), reserveBytes, System::nanoTime);
    }

    /** The usable space of the file system holding {@code dir} (which must exist). */
    public static UsableSpace fileStoreOf(Path dir) {
        return () -> {
            FileStore store = Files.getFileStore(dir);
            return store.getUsableSpace();
        };
    }

    public Path dir() {
        return dir;
    }

    public long reserveBytes() {
        return reserveBytes;
    }

    /** The reserve an append to a log with Chronicle block size {@code blockSize} must leave. */
    long reserveFor(long blockSize) {
        return Math.max(reserveBytes, blockSize);
    }

    /**
     * Claims {@code bytes} for an append to {@code tp} before anything is written.
     *
     * @throws KafkaStorageException the directory is full: the append must write nothing
     */
    public synchronized void claim(TopicPartition tp, long bytes, long blockSize) {
        long reserve = reserveFor(blockSize);
        long now = nanoClock.getAsLong();
        if (!sampled || age(now) >= ms(full ? MIN_REFRESH_MS : REFRESH_INTERVAL_MS)
                || (!full && claimedSinceSample >= (sampledUsable - reserve) / 4)) {
            refresh(now, reserve);
        }
        if (!full && sampledUsable - claimedSinceSample - bytes < reserve && age(now) >= ms(MIN_REFRESH_MS)) {
            refresh(now, reserve); // refuse on a fresh sample only
        }
        long estimate = sampledUsable - claimedSinceSample;
        if (!full && estimate - bytes < reserve) {
            enterFull("an append of " + bytes + " bytes to " + tp + " would leave " + (estimate - bytes)
                    + " bytes usable, below the reserve of " + reserve);
        }
        if (full) {
            refusedSinceFull++;
            throw new KafkaStorageException("Data directory " + dir + " is full (" + fullReason
                    + "); appends resume once " + resumeThreshold(reserve) + " bytes are usable");
        }
        claimedSinceSample += bytes;
    }

    /** A write failed (a page with no disk behind it, an I/O error): full until space returns. */
    public synchronized void reportWriteFailure(TopicPartition tp, Throwable cause) {
        if (!full) {
            enterFull("a write to " + tp + " failed: " + cause);
        }
    }

    /**
     * Whether appends are refused now; re-samples if the last sample is stale, so a directory
     * that filled up without appends (or got its space back) is noticed.
     */
    public synchronized boolean isFull() {
        long now = nanoClock.getAsLong();
        if (!sampled || age(now) >= ms(full ? MIN_REFRESH_MS : REFRESH_INTERVAL_MS)) {
            refresh(now, reserveBytes);
        }
        return full;
    }

    /** The usable bytes as last sampled, less what was claimed since. */
    public synchronized long usableEstimate() {
        return sampledUsable - claimedSinceSample;
    }

    private void refresh(long now, long reserve) {
        long usable;
        try {
            usable = source.usableBytes();
        } catch (IOException | RuntimeException e) {
            sampled = false;
            if (!full) {
                enterFull("its usable space cannot be read: " + e);
            }
            return;
        }
        sampled = true;
        sampledUsable = usable;
        sampledAtNanos = now;
        claimedSinceSample = 0;
        if (full && usable >= resumeThreshold(reserve)) {
            full = false;
            log.info("Data directory {} has room again ({} bytes usable, reserve {}); appends resume ({} refused while full)",
                    dir, usable, reserve, refusedSinceFull);
            fullReason = null;
        } else if (!full && usable < reserve) {
            enterFull(usable + " bytes are usable, below the reserve of " + reserve);
        }
    }

    private void enterFull(String reason) {
        full = true;
        fullReason = reason;
        refusedSinceFull = 0;
        log.warn("Data directory {} is full: {}. Appends to its partitions answer KAFKA_STORAGE_ERROR until {} bytes"
                + " are usable; reads go on", dir, reason, resumeThreshold(reserveBytes));
    }

    private long resumeThreshold(long reserve) {
        return reserve + reserve * RESUME_MARGIN_PERCENT / 100;
    }

    private long age(long now) {
        return now - sampledAtNanos;
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
