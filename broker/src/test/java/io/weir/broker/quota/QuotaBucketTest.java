package io.weir.broker.quota;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QuotaBucketTest {

    @Test
    void aNewClientMaySpendOneWindowAtOnceThenWaitsOffItsDebt() {
        QuotaBucket bucket = new QuotaBucket(2.0, 3_000);
        assertThat(bucket.record(2_000, 1_000, 0)).as("2 s of a 1,000 B/s bound: the whole credit").isZero();
        assertThat(bucket.record(500, 1_000, 0)).as("0.5 s in debt").isEqualTo(500);
        assertThat(bucket.record(0, 1_000, 500)).isZero();
        assertThat(bucket.record(100, 1_000, 500)).as("paid off at 500 ms, 100 B more is 100 ms").isEqualTo(100);
        assertThat(bucket.record(1_000_000, 1_000, 600)).as("one throttle is at most the window").isEqualTo(3_000);
        assertThat(bucket.record(1, 1_000, 3_600)).as("the rest of the debt is throttled again").isGreaterThan(0);
    }

    @Test
    void bytesGivenBackRestoreCreditAndAFullBucketIsIdle() {
        QuotaBucket bucket = new QuotaBucket(1.0, 2_000);
        bucket.record(1_500, 1_000, 0);
        assertThat(bucket.idle(0)).isFalse();
        bucket.record(-1_500, 1_000, 0);
        assertThat(bucket.idle(0)).isTrue();
        bucket.record(3_000, 1_000, 0);
        assertThat(bucket.idle(2_999)).isFalse();
        assertThat(bucket.idle(3_000)).as("2 s to pay the debt, 1 s to fill").isTrue();
    }

    @Test
    void debtIsReadWithoutSpending() {
        QuotaBucket bucket = new QuotaBucket(11.0, Long.MAX_VALUE);
        assertThat(bucket.debtMs(1.0, 0)).as("a new client starts with full credit").isZero();
        bucket.record(20, 1.0, 0);
        assertThat(bucket.debtMs(1.0, 0)).as("9 partitions of debt at 1/s").isEqualTo(9_000);
        assertThat(bucket.debtMs(1.0, 4_000)).isEqualTo(5_000);
        assertThat(bucket.debtMs(1.0, 9_000)).isZero();
    }

    /**
     * A client that always has data and waits out each throttle sends, over any span after its
     * first burst, the bound times the span to within one request and one window's credit, as
     * long as no single request is worth more than the longest throttle (then, as in Kafka, the
     * capped throttle lets it through early).
     */
    @Property(tries = 300)
    void aClientThatHonoursThrottlesIsHeldToTheBound(@ForAll @IntRange(min = 1, max = 500_000) int request,
                                                     @ForAll @IntRange(min = 1, max = 300) int gapMs,
                                                     @ForAll @IntRange(min = 1_000, max = 100_000) int bound,
                                                     @ForAll @IntRange(min = 1, max = 10) int windowSeconds) {
        Assume.that(request <= bound * 11L);
        QuotaBucket bucket = new QuotaBucket(windowSeconds, 11_000);
        long now = 0;
        long from = 60_000;
        long sentSince = 0;
        while (now < 180_000) {
            long throttle = bucket.record(request, bound, now);
            if (now >= from) sentSince += request;
            now += Math.max(gapMs, throttle);
        }
        double span = (now - from) / 1000.0;
        double expected = Math.min(bound, request * 1000.0 / gapMs) * span;
        assertThat((double) sentSince).isLessThanOrEqualTo(bound * span + (double) bound * windowSeconds + request);
        assertThat((double) sentSince).isGreaterThanOrEqualTo(expected - (double) bound * windowSeconds - 2.0 * request);
    }
}
