package io.weir.replication;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Holds a purgatory's own thread inside one operation's check until closed, so a test can tell
 * what completes on the changing thread from what the purgatory thread would complete later.
 * The hold is bounded (30 s), so a failing test cannot hang the build.
 */
final class StuckPurgatoryThread implements AutoCloseable {
    private static final TopicPartition HOLD = new TopicPartition("__stuck", 0);
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean armed;

    StuckPurgatoryThread(Purgatory purgatory) {
        purgatory.park(new Purgatory.DelayedOperation() {
            @Override
            public boolean tryComplete() {
                if (!armed) return false;
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            }

            @Override
            public void forceComplete() {
            }
        }, List.of(HOLD), 60_000);
        await().until(() -> purgatory.watching(HOLD) == 1);
        armed = true;
        purgatory.onChange(HOLD);
        await().atMost(Duration.ofSeconds(30)).until(() -> entered.getCount() == 0);
    }

    @Override
    public void close() {
        release.countDown();
    }
}
