package io.weir.broker.network;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks one at a time, in submission order, on a shared pool. One per connection: it keeps a
 * connection's requests in order while the pool serves many connections, and it puts at most one
 * task per connection into the pool's queue, so that queue is bounded by the connection count.
 */
final class SerialExecutor implements Executor {
    private final Executor pool;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private Runnable active;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public synchronized void execute(Runnable task) {
        tasks.add(() -> {
            try {
                task.run();
            } finally {
                scheduleNext();
            }
        });
        if (active == null) scheduleNext();
    }

    private synchronized void scheduleNext() {
        active = tasks.poll();
        if (active == null) return;
        try {
            pool.execute(active);
        } catch (RejectedExecutionException shuttingDown) {
            tasks.clear();
            active = null;
        }
    }
}
