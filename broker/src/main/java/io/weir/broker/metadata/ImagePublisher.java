package io.weir.broker.metadata;

import io.weir.controller.image.MetadataImage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands committed images to a slow consumer (the node's {@link MetadataCache} listeners: the
 * replica manager opening or deleting thousands of logs) on a thread of its own, so the
 * controller thread that offers them never waits for local storage: it keeps answering
 * heartbeats and requests while a topic of thousands of partitions is being created on disk.
 *
 * <p>Images coalesce: when the consumer is busy, only the newest image offered meanwhile is
 * handed over next (listeners get (previous, next) pairs and diff them, so a skipped
 * intermediate image loses nothing). Images are handed over in offset order, each at most once.
 */
public final class ImagePublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ImagePublisher.class);
    private static final long CLOSE_WAIT_MS = 10_000;

    private final Consumer<MetadataImage> consumer;
    private final Thread thread;
    /** The newest image offered and not yet handed over; guarded by {@code this}. */
    private MetadataImage pending;
    /** Guarded by {@code this}. */
    private boolean closed;

    public ImagePublisher(String name, Consumer<MetadataImage> consumer) {
        this.consumer = consumer;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Offers a newer image; returns at once. An image older than one already offered is ignored. */
    public synchronized void offer(MetadataImage image) {
        if (closed || (pending != null && image.offset() <= pending.offset())) return;
        pending = image;
        notifyAll();
    }

    private void run() {
        long handedOver = Long.MIN_VALUE;
        while (true) {
            MetadataImage next;
            synchronized (this) {
                while (pending == null && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                next = pending;
                pending = null;
            }
            if (next.offset() <= handedOver) continue;
            try {
                consumer.accept(next);
            } catch (RuntimeException | InternalError e) {
                log.warn("applying the metadata image at offset {} failed; the next image is applied as usual",
                        next.offset(), e);
            }
            handedOver = next.offset();
        }
    }

    /** Stops handing over images; waits a bounded time for the one being applied. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            pending = null;
            notifyAll();
        }
        try {
            thread.join(TimeUnit.MILLISECONDS.toMillis(CLOSE_WAIT_MS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("{} still applying an image after {} ms; leaving it", thread.getName(), CLOSE_WAIT_MS);
        }
    }
}
