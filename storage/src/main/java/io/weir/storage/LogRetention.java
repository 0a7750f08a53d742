package io.weir.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Applies {@code retention.ms} and {@code retention.bytes} to every log of a {@link LogManager}
 * every {@code log.retention.check.interval.ms}, as Kafka's log manager does (default 5
 * minutes, first pass after one interval): deleting old roll files is otherwise never
 * triggered. Each log decides for itself ({@link RetentionPlanner}: whole files, never the
 * newest, never data at or above the high watermark); followers do the same on their replicas,
 * as in Kafka. A failed pass is logged and the next one runs on time.
 */
public final class LogRetention implements Closeable {
    public static final long DEFAULT_CHECK_INTERVAL_MS = 300_000;
    private static final Logger log = LoggerFactory.getLogger(LogRetention.class);

    private final ScheduledExecutorService timer;

    private LogRetention(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Starts the periodic pass over {@code logs}; {@link #close()} stops it. */
    public static LogRetention start(LogManager logs, long checkIntervalMs, String threadName) {
        if (checkIntervalMs <= 0) throw new IllegalArgumentException("log.retention.check.interval.ms must be positive");
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> pass(logs), checkIntervalMs, checkIntervalMs, TimeUnit.MILLISECONDS);
        return new LogRetention(timer);
    }

    private static void pass(LogManager logs) {
        try {
            int deleted = logs.applyRetention();
            if (deleted > 0) log.info("Retention deleted {} roll files", deleted);
        } catch (RuntimeException | InternalError e) {
            // InternalError: a faulted access to a mapped file whose disk is full.
            log.warn("Retention pass failed; the next runs at its interval", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
