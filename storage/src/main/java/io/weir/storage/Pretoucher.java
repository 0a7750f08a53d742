package io.weir.storage;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.ReferenceOwner;
import net.openhft.posix.PosixAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Populates pages of appenders' mapped chunks ahead of their writes ({@link PretouchPlan}), on one
 * background thread for the whole process ({@code weir-pretoucher}), so that an append's page faults
 * are taken there and not on the produce path. Chronicle Queue's own pretoucher is an enterprise
 * feature; this one uses Linux's {@code madvise(MADV_POPULATE_WRITE)} (5.14+), which does what a write
 * to each page would (page cache page allocated and zeroed, the file system told the page will be
 * written, the page-table entry made writable) without storing anything: no data race with the
 * appender, and on a full file system it fails with EFAULT instead of raising SIGBUS.
 *
 * <p>A request may wait while the appender goes on: the pre-toucher populates it in pieces of
 * {@value #PIECE} bytes, each only as far as it still lies ahead of the appender's last excerpt in the
 * chunk the appender still writes in, so that it does not map again pages the appender has passed and
 * {@link MappedPages} has dropped (a piece the appender passes while it is being populated can stay
 * mapped until the chunk is unmapped).
 *
 * <p>Bounds: one thread, which ends after 10 s with nothing to do and starts again on the next
 * request; at most {@value #MAX_PENDING} requests wait, more are dropped (the appender then takes its
 * faults itself, as without this class). A request holds no Chronicle reservation while it waits: it
 * reserves the chunk only while populating it, and skips a chunk its last user has released (a
 * closed queue's), so it never keeps a queue's file mapped or open. Requests are clipped to the
 * chunk's mapping.
 *
 * <p>Costs, on purpose: each appending log has up to {@link #LEAD} bytes (at most as much as it wrote into
 * its current chunk) of zero pages past its end in the page cache, dirty (written back as zeros, so the file's blocks ahead of the data are allocated
 * early; Chronicle reads a zero header as the end of the queue, so a crash changes nothing) and in the
 * process's resident set until the chunk is unmapped. The CPU of a fault is not saved, only moved.
 *
 * <p>Linux only; off with {@code -Dweir.storage.pretouch=false}. A kernel without
 * MADV_POPULATE_WRITE (EINVAL) or a missing native call turns it off for the process with one warning.
 */
final class Pretoucher {
    /** Bytes ahead of an appender kept populated at most (less for a log that has written less). */
    static final long LEAD = 256 * 1024;
    static final int MAX_PENDING = 1024;
    /** Linux's {@code MADV_POPULATE_WRITE}, not in {@code MAdviseFlag}. */
    private static final int MADV_POPULATE_WRITE = 23;
    private static final int EINVAL = 22;
    private static final Logger log = LoggerFactory.getLogger(Pretoucher.class);
    private static final AtomicLong POPULATED = new AtomicLong();
    /** Requests submitted and not yet done or dropped. */
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static volatile boolean enabled = OS.isLinux()
            && Boolean.parseBoolean(System.getProperty("weir.storage.pretouch", "true"));
    private static final ThreadPoolExecutor THREAD = thread();

    /** Bytes populated per call: the appender's position is looked at again between pieces. */
    static final long PIECE = 64 * 1024;

    /**
     * Where an appender is: the chunk it writes in and the end of its last excerpt, published by its
     * thread after each excerpt and read by the pre-toucher, which skips what the appender has passed.
     */
    static final class AppenderPosition {
        private volatile MappedBytesStore chunk;
        private volatile long end;

        void moved(MappedBytesStore newChunk, long newEnd) {
            end = newEnd;
            chunk = newChunk;
        }

        /** The appender is closed: nothing of its chunk is wanted any more. */
        void closed() {
            chunk = null;
        }

        /** Touching for this appender's {@link PretouchPlan}: hands the range to the background thread. */
        PretouchPlan.Touch<MappedBytesStore> touch() {
            return (chunk, from, to) -> submit(chunk, from, to, this);
        }
    }

    private Pretoucher() {
    }

    /** An appender's plan for chunks of this process's page size. */
    static PretouchPlan<MappedBytesStore> plan() {
        return new PretouchPlan<>(OS.pageSize(), LEAD);
    }

    /** Bytes populated so far by this process. */
    static long populatedBytes() {
        return POPULATED.get();
    }

    static boolean enabled() {
        return enabled;
    }

    /** Whether no request waits or runs (for tests). */
    static boolean idle() {
        return PENDING.get() == 0;
    }

    /**
     * Queues the population of file offsets {@code [from, to)} of {@code chunk} ahead of the appender at
     * {@code position}; dropped if too many wait.
     */
    static void submit(MappedBytesStore chunk, long from, long to, AppenderPosition position) {
        if (enabled) {
            PENDING.incrementAndGet();
            THREAD.execute(() -> {
                try {
                    populateAhead(chunk, from, to, position);
                } catch (RuntimeException | LinkageError e) {
                    // LinkageError: the native API could not load (Posix's initializer); off for good.
                    disable("populating failed: " + e);
                } finally {
                    PENDING.decrementAndGet();
                }
            });
        }
    }

    /**
     * Populates {@code [from, to)} of {@code chunk} a piece at a time, only what still lies ahead of the
     * appender in the chunk it still writes in: a page it has passed may have been dropped from the page
     * tables already ({@link MappedPages}), and populating it again would keep it resident.
     *
     * @return the bytes populated
     */
    static long populateAhead(MappedBytesStore chunk, long from, long to, AppenderPosition position) {
        long done = 0;
        for (long piece = from; piece < to; piece += PIECE) {
            if (position.chunk != chunk) {
                break; // closed, or moved on to another chunk
            }
            long ahead = (position.end + OS.pageSize() - 1) & -OS.pageSize();
            long lo = Math.max(piece, ahead);
            long hi = Math.min(piece + PIECE, to);
            if (lo < hi) {
                done += populate(chunk, lo, hi);
            }
        }
        return done;
    }

    /**
     * Populates file offsets {@code [from, to)} of {@code chunk}, clipped to its mapping, if a user still
     * holds the chunk mapped.
     *
     * @return the bytes populated: 0 if the chunk was released, the range lies outside it, or it failed
     */
    static long populate(MappedBytesStore chunk, long from, long to) {
        if (!enabled) {
            return 0;
        }
        ReferenceOwner owner = ReferenceOwner.temporary("weir-pretouch");
        if (!MappedPages.tryReserve(chunk, owner)) {
            return 0; // unmapped, or about to be: its addresses are not ours
        }
        try {
            long lo = Math.max(from, chunk.start());
            long hi = Math.min(to, chunk.realCapacity());
            if (hi <= lo) {
                return 0;
            }
            PosixAPI posix = NativePosix.API;
            if (NativePosix.MISSING) {
                disable("no native POSIX API: " + posix);
            }
            if (!enabled) {
                return 0;
            }
            int rc;
            try {
                rc = posix.madvise(chunk.addressForRead(lo), hi - lo, MADV_POPULATE_WRITE);
            } catch (RuntimeException | LinkageError e) {
                disable("madvise(MADV_POPULATE_WRITE) threw " + e);
                return 0;
            }
            if (rc != 0) {
                int errno = posix.lastError();
                if (errno == EINVAL) {
                    disable("madvise(MADV_POPULATE_WRITE) is not supported by this kernel");
                }
                // EFAULT (no space behind a page: the appender meets the full disk itself), ENOMEM, EINTR.
                log.debug("madvise(MADV_POPULATE_WRITE) of {} bytes failed with errno {}", hi - lo, errno);
                return 0;
            }
            POPULATED.addAndGet(hi - lo);
            return hi - lo;
        } finally {
            chunk.release(owner);
        }
    }

    static void disable(String why) {
        if (enabled) {
            enabled = false;
            log.warn("Not populating pages ahead of appenders any more ({}): appends take their page faults "
                    + "themselves", why);
        }
    }

    private static ThreadPoolExecutor thread() {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_PENDING), r -> {
                    Thread t = new Thread(r, "weir-pretoucher");
                    t.setDaemon(true);
                    return t;
                }, (dropped, pool) -> PENDING.decrementAndGet());
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
