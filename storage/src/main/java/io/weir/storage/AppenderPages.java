package io.weir.storage;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytesStore;

/**
 * The page bookkeeping of a queue's one appender: the pages it has written and not yet dropped
 * ({@link TouchedPages}, {@link MappedPages}), and the pages ahead of it that the pre-toucher
 * populates before it writes there ({@link PretouchPlan}, {@link Pretoucher}). Used by the
 * appender's writer only (the log's write lock); the pre-toucher thread reads just the
 * {@link Pretoucher.AppenderPosition}. Neither part may fail an excerpt already written.
 */
final class AppenderPages {
    /** The pages the appender has written and not yet dropped. */
    private final TouchedPages<MappedBytesStore> written = MappedPages.cursor();
    /** The pages ahead of the appender to populate before it writes there. */
    private final PretouchPlan<MappedBytesStore> ahead = Pretoucher.plan();
    /** Where the appender is, for the pre-toucher thread. */
    private final Pretoucher.AppenderPosition position = new Pretoucher.AppenderPosition();
    private final PretouchPlan.Touch<MappedBytesStore> pretouch = position.touch();

    /** After an excerpt was written at file offsets {@code [from, to)} through {@code bytes}. */
    void appended(Bytes<?> bytes, long from, long to) {
        MappedPages.touched(written, bytes, from, to);
        planAhead(bytes, to);
    }

    /** The appender is closing: drops what it wrote and stops pre-touching for it. */
    void close() {
        written.finish(MappedPages.RELEASE);
        ahead.finish();
        position.closed();
    }

    /** Reports the appender's end to its {@link PretouchPlan}, if the chunk holding it is a mapped one. */
    private void planAhead(Bytes<?> bytes, long end) {
        if (bytes.bytesStore() instanceof MappedBytesStore chunk && chunk.start() <= end && end <= chunk.realCapacity()) {
            try {
                position.moved(chunk, end);
                ahead.written(chunk, chunk.start(), chunk.realCapacity(), end, pretouch);
            } catch (RuntimeException e) {
                // The excerpt is written already: never fail it for the pages ahead.
                Pretoucher.disable("planning failed: " + e);
            }
        }
    }
}
