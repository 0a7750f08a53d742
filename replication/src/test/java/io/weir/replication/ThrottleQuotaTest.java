package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThrottleQuotaTest {
    @Test
    void aRateAboveTheBoundIsExceededUntilTheWindowMovesOn() {
        ThrottleQuota quota = new ThrottleQuota(1000, 11);
        long t = 1_000_000;
        quota.record(5_000, t);
        // 5,000 bytes over at least 10 s of window: 500 B/s, under the bound.
        assertThat(quota.exceeded(t)).isFalse();
        quota.record(10_000, t + 500);
        assertThat(quota.rate(t + 500)).isEqualTo(1500.0);
        assertThat(quota.exceeded(t + 500)).isTrue();
        // Eleven seconds later both samples have left the window.
        assertThat(quota.exceeded(t + 12_000)).isFalse();
        assertThat(quota.rate(t + 12_000)).isZero();
    }

    @Test
    void steadyCopyingAtTheBoundStaysJustUnderIt() {
        ThrottleQuota quota = new ThrottleQuota(1000, 11);
        long t = 0;
        for (int s = 0; s < 30; s++) {
            quota.record(1000, t + s * 1000L);
        }
        assertThat(quota.rate(30_000)).isBetween(900.0, 1100.0);
    }

    @Test
    void unlimitedNeverThrottles() {
        ThrottleQuota.UNLIMITED.record(Long.MAX_VALUE / 2, 0);
        assertThat(ThrottleQuota.UNLIMITED.exceeded(0)).isFalse();
        assertThat(ThrottleQuota.UNLIMITED.unlimited()).isTrue();
    }
}
