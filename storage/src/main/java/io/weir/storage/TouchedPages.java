package io.weir.storage;

/**
 * Which pages of a memory-mapped chunk one cursor (the appender, or one pooled tailer) has moved
 * past, and when to hand them back. Pure: no I/O, clock or lock; the caller does the dropping
 * ({@link MappedPages}) and owns the cursor, one thread at a time.
 *
 * <p>The cursor reports every excerpt it wrote or read as a span of file offsets inside the chunk
 * that was mapped for it. Consecutive spans in one chunk form a run. Once the whole pages of the run
 * behind the cursor's end add up to {@code step} bytes, they are released: the page holding the end
 * stays, since the appender's next excerpt (or the one a reader waits for) goes on in it. A cursor
 * that moves to another chunk, or backwards, releases the rest of its old run, last partial page
 * included. So a cursor keeps at most {@code step} bytes plus one page of its chunk mapped, whatever
 * the chunk and file sizes.
 *
 * <p>A fault on a file mapping maps not only the page touched: Linux maps the pages around it that
 * are in the page cache too ("fault-around", 64 KiB by default), so the cursor's first touch past a
 * release maps again pages just behind the cut. Every release therefore reaches {@code faultAround}
 * bytes below the run and, at the end of a run, above it.
 *
 * <p>Released ranges never leave the chunk they were reported in and are page aligned; besides the
 * pages the cursor touched they hold only the gaps between its spans (Chronicle's headers and index
 * arrays) and the fault-around margins.
 *
 * @param <C> the chunk: compared by identity
 */
final class TouchedPages<C> {
    /** Receives a range of file offsets of a chunk that the cursor is done with. */
    @FunctionalInterface
    interface Release<C> {
        void release(C chunk, long from, long to);
    }

    private final long pageSize;
    private final long step;
    private final long faultAround;
    private C chunk;
    private long chunkStart;
    private long chunkEnd;
    /** The run's untouched-by-release start and its end, file offsets inside the chunk. */
    private long runStart;
    private long runEnd;

    /**
     * @param pageSize    a power of two
     * @param step        whole pages released at once, at least one page
     * @param faultAround bytes around a touched page that a fault may map too, a multiple of the page size
     */
    TouchedPages(long pageSize, long step, long faultAround) {
        if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two: " + pageSize);
        }
        if (step < pageSize) {
            throw new IllegalArgumentException("step " + step + " below a page of " + pageSize);
        }
        if (faultAround < 0 || faultAround % pageSize != 0) {
            throw new IllegalArgumentException("fault-around " + faultAround + " not a multiple of the page size");
        }
        this.pageSize = pageSize;
        this.step = step;
        this.faultAround = faultAround;
    }

    /**
     * The cursor touched {@code [from, to)} of {@code chunk}, which maps the file offsets
     * {@code [chunkStart, chunkEnd)} (page aligned).
     */
    void touched(C chunk, long chunkStart, long chunkEnd, long from, long to, Release<C> release) {
        if (!(chunkStart <= from && from <= to && to <= chunkEnd) || chunkStart % pageSize != 0
                || chunkEnd % pageSize != 0) {
            throw new IllegalArgumentException("span [" + from + ", " + to + ") outside chunk [" + chunkStart + ", "
                    + chunkEnd + ")");
        }
        if (chunk != this.chunk || from < runStart) {
            finish(release);
            this.chunk = chunk;
            this.chunkStart = chunkStart;
            this.chunkEnd = chunkEnd;
            runStart = from;
            runEnd = to;
            return;
        }
        runEnd = Math.max(runEnd, to);
        long from0 = alignDown(runStart);
        long to0 = alignDown(runEnd);
        if (to0 - from0 >= step) {
            release.release(chunk, Math.max(chunkStart, from0 - faultAround), to0);
            runStart = to0;
        }
    }

    /**
     * The cursor stops for now (a tailer going back to its pool, which may keep it for long): releases
     * the whole pages behind its end if they are at least {@code minBytes}, keeping the page the end is
     * in, where the appender may still be writing.
     */
    void idle(long minBytes, Release<C> release) {
        if (chunk == null) {
            return;
        }
        long from0 = alignDown(runStart);
        long to0 = alignDown(runEnd);
        if (to0 > from0 && to0 - from0 >= minBytes) {
            release.release(chunk, Math.max(chunkStart, from0 - faultAround), to0);
            runStart = to0;
        }
    }

    /** Releases the rest of the run, its last partial page included, and forgets the chunk. */
    void finish(Release<C> release) {
        if (chunk != null) {
            long from0 = Math.max(chunkStart, alignDown(runStart) - faultAround);
            long to0 = Math.min(alignUp(runEnd) + faultAround, chunkEnd);
            if (to0 > from0) {
                release.release(chunk, from0, to0);
            }
        }
        chunk = null;
    }

    private long alignDown(long offset) {
        return offset & -pageSize;
    }

    private long alignUp(long offset) {
        return (offset + pageSize - 1) & -pageSize;
    }
}
