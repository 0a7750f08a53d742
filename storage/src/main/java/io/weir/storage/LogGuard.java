package io.weir.storage;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;

/**
 * The lock of one {@link PartitionLog} and whether the log is closed. Appends, truncation,
 * retention and close run under the write lock, reads under the read lock; the Chronicle queue,
 * closed while the log is idle, is reopened under the write lock on the next use.
 */
final class LogGuard {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TopicPartition topicPartition;
    private final QueueHandle queue;
    private final LogState state;
    private final Supplier<LogConfig> config;
    /** Records that the queue is needed now (the {@link LogManager} closes queues not in use first). */
    private final Runnable used;
    /** Read and written under the write lock. */
    private boolean closed;

    LogGuard(TopicPartition topicPartition, QueueHandle queue, LogState state, Supplier<LogConfig> config,
             Runnable used) {
        this.used = used;
        this.topicPartition = topicPartition;
        this.queue = queue;
        this.state = state;
        this.config = config;
    }

    ReentrantReadWriteLock lock() {
        return lock;
    }

    /** Whether the log was closed; call under the write lock. */
    boolean closed() {
        return closed;
    }

    /** Marks the log closed; call under the write lock. */
    void markClosed() {
        closed = true;
    }

    void underWriteLock(Runnable write) {
        lock.writeLock().lock();
        try {
            write.run();
        } finally {
            lock.writeLock().unlock();
        }
    }

    <T> T underWriteLock(Supplier<T> write) {
        lock.writeLock().lock();
        try {
            return write.get();
        } finally {
            lock.writeLock().unlock();
        }
    }

    <T> T underReadLock(Supplier<T> read) {
        lock.readLock().lock();
        try {
            return read.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Runs {@code read} under the read lock with the queue open: reopens it first if it was closed
     * while idle, and again if {@link LogManager}'s closer closed it between that and the read lock
     * (a few tries; the closer closes only queues it can lock, so a reader holding the lock wins).
     */
    <T> T underReadLockOpen(Supplier<T> read) {
        for (int attempt = 1; ; attempt++) {
            ensureOpen();
            lock.readLock().lock();
            try {
                if (queue.isOpen()) {
                    return read.get();
                }
                if (closed) {
                    throw new LogClosedException(topicPartition);
                }
                if (attempt == 10) {
                    throw new IllegalStateException("The queue of " + topicPartition
                            + " keeps being closed before it can be read");
                }
            } finally {
                lock.readLock().unlock();
            }
        }
    }

    /** Reopens the queue if it was closed while idle, taking the write lock only then. */
    void ensureOpen() {
        used.run();
        if (queue.isOpen()) {
            return;
        }
        underWriteLock(this::ensureOpenLocked);
    }

    /** Under the write lock: fails if the log is closed, reopens the queue if it is closed while idle. */
    void ensureOpenLocked() {
        if (closed) {
            throw new LogClosedException(topicPartition);
        }
        used.run();
        if (!queue.isOpen()) {
            try {
                queue.open(state.generation(), config.get().blockSize());
            } catch (RuntimeException | InternalError e) {
                throw new KafkaStorageException("Cannot open the queue of " + topicPartition + ": " + e, e);
            }
        }
    }
}
