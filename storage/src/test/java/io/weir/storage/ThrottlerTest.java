package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cleaner's I/O throttle, on a fake clock whose sleeps move it. */
class ThrottlerTest {
    @Test
    void sleepsSoThatTheBytesTakeAtLeastTheirTimeAtTheRate() throws InterruptedException {
        AtomicLong nanos = new AtomicLong();
        Throttler t = new Throttler(1_000_000, nanos::get, nanos::addAndGet);
        for (int i = 0; i < 100; i++) {
            t.acquire(100_000); // 10 MB at 1 MB/s, with no time spent on the I/O itself
        }
        assertThat(nanos.get()).as("10 MB at 1 MB/s").isBetween(9_800_000_000L, 10_000_000_000L);
    }

    @Test
    void doesNotSleepWhenTheIoIsSlowerThanTheRate() throws InterruptedException {
        AtomicLong nanos = new AtomicLong();
        Throttler t = new Throttler(1_000_000, nanos::get, n -> {
            throw new AssertionError("slept " + n);
        });
        for (int i = 0; i < 100; i++) {
            nanos.addAndGet(200_000_000L); // each 100 KB takes 0.2 s
            t.acquire(100_000);
        }
        assertThat(t.sleptNanos()).isZero();
    }

    @Test
    void anUnlimitedThrottleNeverSleeps() throws InterruptedException {
        Throttler t = Throttler.unlimited();
        t.acquire(Long.MAX_VALUE / 2);
        assertThat(t.sleptNanos()).isZero();
        assertThat(Throttler.sleepNeeded(2_000_000, 500_000_000L, 1_000_000)).isEqualTo(1_500_000_000L);
    }
}
