package io.weir.storage;

import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.ReferenceOwner;
import net.openhft.posix.MAdviseFlag;
import net.openhft.posix.PosixAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes pages of Chronicle's memory-mapped chunks out of this process's page tables with
 * {@code madvise(MADV_DONTNEED)}, so that the log's bytes live in the kernel's page cache, as
 * Kafka's FileChannel-written segments do, and not in the node's resident set.
 *
 * <p>Why this loses nothing: Chronicle maps files shared ({@code MAP_SHARED}, read-write or
 * read-only, never private). On a shared file mapping Linux's MADV_DONTNEED only removes the page
 * table entries; a dirty entry's dirty bit moves to the page in the page cache, which is written
 * back as before, and the next touch maps the same page again (a minor fault, no I/O while it is
 * cached). Only on private or anonymous memory would it discard data, which is why a range is
 * dropped only inside a {@link MappedBytesStore}, and only while this class holds a reservation on
 * it: a chunk whose last user released it may already be unmapped and its addresses reused.
 *
 * <p>Linux only (elsewhere MADV_DONTNEED means something else); off with
 * {@code -Dweir.storage.drop.mapped.pages=false}. If the native call is missing or fails, dropping
 * stops for the process with one warning; nothing else changes.
 */
final class MappedPages {
    /** Bytes a cursor moves past before its pages are dropped: one madvise per 256 KiB. */
    static final long STEP = 256 * 1024;
    /** Bytes a tailer going idle must have moved past for its pages to be dropped: one madvise per fetch at most. */
    static final long IDLE_MIN = 64 * 1024;
    /** Linux's default {@code fault_around_bytes}: what a read fault on a file mapping maps around the page. */
    static final long FAULT_AROUND = 64 * 1024;
    private static final Logger log = LoggerFactory.getLogger(MappedPages.class);
    private static final AtomicLong DROPPED = new AtomicLong();
    private static volatile boolean enabled = OS.isLinux()
            && Boolean.parseBoolean(System.getProperty("weir.storage.drop.mapped.pages", "true"));

    /** Dropping for a {@link TouchedPages} cursor. */
    static final TouchedPages.Release<MappedBytesStore> RELEASE = MappedPages::drop;

    private MappedPages() {
    }

    /** A cursor's page bookkeeping for chunks of this process's page size. */
    static TouchedPages<MappedBytesStore> cursor() {
        return new TouchedPages<>(OS.pageSize(), STEP, FAULT_AROUND);
    }

    /**
     * Reports an excerpt written or read at file offsets {@code [from, to)} through {@code bytes} to its
     * cursor, if the chunk holding it is a mapped one (never anonymous memory: dropping there loses data).
     */
    static void touched(TouchedPages<MappedBytesStore> pages, Bytes<?> bytes, long from, long to) {
        if (bytes.bytesStore() instanceof MappedBytesStore chunk && chunk.start() <= from && to <= chunk.realCapacity()) {
            try {
                pages.touched(chunk, chunk.start(), chunk.realCapacity(), from, to, RELEASE);
            } catch (RuntimeException | LinkageError e) {
                // The excerpt is written or read already: never fail it for the pages' sake.
                disable("dropping failed: " + e);
            }
        }
    }

    /** Bytes dropped so far by this process (ranges asked for, whether resident or not). */
    static long droppedBytes() {
        return DROPPED.get();
    }

    /**
     * Drops the file offsets {@code [from, to)} of {@code chunk}'s mapping (page aligned), clipped to
     * the mapping. Nothing happens if the chunk was already released by all its users.
     */
    static void drop(MappedBytesStore chunk, long from, long to) {
        if (!enabled) {
            return;
        }
        ReferenceOwner owner = ReferenceOwner.temporary("weir-drop-pages");
        if (!tryReserve(chunk, owner)) {
            return; // unmapped, or about to be: nothing of it is resident, and its addresses are not ours
        }
        try {
            PosixAPI posix = NativePosix.API;
            if (NativePosix.MISSING) {
                disable("no native POSIX API: " + posix);
            }
            if (!enabled) {
                return; // it could not load
            }
            long lo = Math.max(from, chunk.start());
            long hi = Math.min(to, chunk.realCapacity());
            if (hi <= lo) {
                return;
            }
            int rc;
            try {
                rc = posix.madvise(chunk.addressForRead(lo), hi - lo, MAdviseFlag.MADV_DONTNEED.value());
            } catch (RuntimeException | LinkageError e) {
                disable("madvise(MADV_DONTNEED) threw " + e);
                return;
            }
            if (rc != 0) {
                disable("madvise(MADV_DONTNEED) failed with errno " + posix.lastError());
                return;
            }
            DROPPED.addAndGet(hi - lo);
        } finally {
            chunk.release(owner);
        }
    }

    /** A reservation on {@code chunk}, unless its last user has released it (then it must not be touched). */
    static boolean tryReserve(MappedBytesStore chunk, ReferenceOwner owner) {
        try {
            return chunk.tryReserve(owner);
        } catch (IllegalStateException released) {
            return false;
        }
    }

    static void disable(String why) {
        if (enabled) {
            enabled = false;
            log.warn("Not dropping Chronicle's mapped pages any more ({}): the log's bytes stay in this process's "
                    + "resident memory while their chunk is mapped", why);
        }
    }
}
