package io.weir.storage;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's log cleaner, as Kafka's {@code LogCleaner}: {@code log.cleaner.threads} background
 * threads that run compaction passes ({@link PartitionLog#compact}) over the logs of a
 * {@link LogManager} whose {@code cleanup.policy} includes compact. Each thread owns a key map of
 * {@code log.cleaner.dedupe.buffer.size / threads} bytes (allocated on its first pass); the threads
 * share one I/O throttle ({@code log.cleaner.io.max.bytes.per.second}); a thread with nothing to do
 * sleeps {@code log.cleaner.backoff.ms}. A log is cleaned by one thread at a time. The bound of a
 * pass is each log's own high watermark. A pass that fails is logged and the log skipped for ten
 * backoffs.
 */
public final class LogCleaner implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);
    private static final long JOIN_TIMEOUT_MS = 30_000;

    /**
     * The {@code log.cleaner.*} broker configs, with Kafka's defaults.
     *
     * @param enable             {@code log.cleaner.enable}
     * @param threads            {@code log.cleaner.threads}
     * @param dedupeBufferBytes  {@code log.cleaner.dedupe.buffer.size}, shared by the threads
     * @param ioMaxBytesPerSecond {@code log.cleaner.io.max.bytes.per.second}, read plus written
     * @param backoffMs          {@code log.cleaner.backoff.ms}: the sleep when there is nothing to clean
     */
    public record Settings(boolean enable, int threads, long dedupeBufferBytes, double ioMaxBytesPerSecond,
                           long backoffMs) {
        public static final Settings DEFAULTS = new Settings(true, 1, 128L * 1024 * 1024, Double.MAX_VALUE, 15_000);

        public Settings {
            if (threads < 1) {
                throw new IllegalArgumentException("log.cleaner.threads must be at least 1: " + threads);
            }
            if (dedupeBufferBytes / threads < 2L * OffsetMap.SLOT_BYTES
                    || dedupeBufferBytes / threads > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("log.cleaner.dedupe.buffer.size / log.cleaner.threads must be "
                        + "between " + 2 * OffsetMap.SLOT_BYTES + " and 2^31-1 bytes: " + dedupeBufferBytes);
            }
            if (!(ioMaxBytesPerSecond > 0)) {
                throw new IllegalArgumentException("log.cleaner.io.max.bytes.per.second must be positive");
            }
            if (backoffMs < 0) {
                throw new IllegalArgumentException("log.cleaner.backoff.ms must not be negative");
            }
        }
    }

    private final LogManager logs;
    private final Settings settings;
    private final Throttler throttler;
    private final Set<TopicPartition> inProgress = ConcurrentHashMap.newKeySet();
    private final Map<TopicPartition, Long> skipUntil = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private volatile boolean running;

    public LogCleaner(LogManager logs, Settings settings) {
        this.logs = logs;
        this.settings = settings;
        this.throttler = new Throttler(settings.ioMaxBytesPerSecond(), System::nanoTime, TimeUnit.NANOSECONDS::sleep);
    }

    /** Starts the threads, if {@code log.cleaner.enable}. */
    public synchronized void start() {
        if (!settings.enable() || running) {
            return;
        }
        running = true;
        int mapBytes = (int) (settings.dedupeBufferBytes() / settings.threads());
        for (int i = 0; i < settings.threads(); i++) {
            Thread t = new Thread(() -> run(new OffsetMap(mapBytes)), "weir-log-cleaner-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Compaction passes completed since start. */
    public long passes() {
        return passes.get();
    }

    public long bytesRead() {
        return bytesRead.get();
    }

    public long bytesWritten() {
        return bytesWritten.get();
    }

    private void run(OffsetMap map) {
        try {
            while (running) {
                if (!cleanOne(map)) {
                    Thread.sleep(settings.backoffMs());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs one pass on the first compacted log that is due one; false if none was. */
    boolean cleanOne(OffsetMap map) throws InterruptedException {
        long now = System.currentTimeMillis();
        for (PartitionLog l : logs.openLogs()) {
            TopicPartition tp = l.topicPartition();
            if (!running || !l.config().compact() || skipUntil.getOrDefault(tp, 0L) > now || !inProgress.add(tp)) {
                continue;
            }
            try {
                Optional<CompactionResult> r = l.compact(Long.MAX_VALUE, map, throttler);
                if (r.isPresent()) {
                    passes.incrementAndGet();
                    bytesRead.addAndGet(r.get().bytesRead());
                    bytesWritten.addAndGet(r.get().bytesWritten());
                    return true;
                }
            } catch (RuntimeException | InternalError e) {
                if (!running) {
                    return false; // the logs are closing under us
                }
                log.warn("Compaction of {} failed; skipping it for {} ms: {}", tp, 10 * settings.backoffMs(),
                        e.toString());
                skipUntil.put(tp, now + 10 * settings.backoffMs());
            } finally {
                inProgress.remove(tp);
            }
        }
        return false;
    }

    /** Stops the threads, waiting for a pass in progress to give up or finish. */
    @Override
    public synchronized void close() {
        running = false;
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(JOIN_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                log.warn("{} did not stop within {} ms", t.getName(), JOIN_TIMEOUT_MS);
            }
        }
        threads.clear();
    }
}
