package io.weir.storage;

/**
 * Which pages of the appender's memory-mapped chunk to have populated ahead of its writes, so that
 * the page faults of a new page (the page cache allocation, zeroing, the file system's write
 * bookkeeping) are taken by a background thread ({@link Pretoucher}) and not by the appending one.
 * Pure: no I/O, clock or lock; the caller owns it, one thread at a time, and does the touching.
 *
 * <p>The appender reports the end of every excerpt it wrote. Pages from the one after the end's page
 * on are asked for whenever less than half of the wanted lead is left ahead of the end, in one range
 * that starts where the previous one ended: so the pages of a chunk are asked for once each. The
 * wanted lead grows with what the appender has written into the chunk (whole pages of it), up to
 * {@code lead}: a log appended to now and then gets a few pages ahead of it, not {@code lead} bytes of
 * zeros each (a node may host thousands of logs), while a log appended to all the time soon has the
 * whole lead. Never the page the end is in (the appender is writing there), never a page behind it,
 * never a page outside the chunk that was mapped for the excerpt: a new chunk starts afresh.
 *
 * @param <C> the chunk: compared by identity
 */
final class PretouchPlan<C> {
    /** Receives a range of file offsets of a chunk to populate, page aligned and inside the chunk. */
    @FunctionalInterface
    interface Touch<C> {
        void touch(C chunk, long from, long to);
    }

    private final long pageSize;
    private final long lead;
    private C chunk;
    /** The end of the first excerpt reported in the current chunk. */
    private long origin;
    /** The end of the last range asked for in the current chunk. */
    private long frontier;

    /**
     * @param pageSize a power of two
     * @param lead     bytes ahead of the appender to keep populated, at least two pages
     */
    PretouchPlan(long pageSize, long lead) {
        if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two: " + pageSize);
        }
        if (lead < 2 * pageSize) {
            throw new IllegalArgumentException("lead " + lead + " below two pages of " + pageSize);
        }
        this.pageSize = pageSize;
        this.lead = lead;
    }

    /**
     * The appender wrote up to file offset {@code end} of {@code chunk}, which maps the file offsets
     * {@code [chunkStart, chunkEnd)} (page aligned).
     */
    void written(C chunk, long chunkStart, long chunkEnd, long end, Touch<C> touch) {
        if (!(chunkStart <= end && end <= chunkEnd) || chunkStart % pageSize != 0 || chunkEnd % pageSize != 0) {
            throw new IllegalArgumentException("end " + end + " outside chunk [" + chunkStart + ", " + chunkEnd + ")");
        }
        long next = alignUp(end);
        if (chunk != this.chunk || end < origin) {
            this.chunk = chunk;
            origin = end;
            frontier = next;
        }
        long ahead = wantedLead(end);
        if (ahead < pageSize || frontier - end >= ahead / 2) {
            return;
        }
        long from = Math.max(frontier, next);
        long to = Math.min(next + ahead, chunkEnd);
        if (to > from) {
            touch.touch(chunk, from, to);
            frontier = to;
        }
    }

    /** How far ahead of {@code end} pages should be populated: the whole pages written into the chunk, up to the lead. */
    long wantedLead(long end) {
        return Math.min(lead, (end - origin) & -pageSize);
    }

    /** The appender is closed or left its chunk: forget the chunk. */
    void finish() {
        chunk = null;
    }

    private long alignUp(long offset) {
        return (offset + pageSize - 1) & -pageSize;
    }
}
