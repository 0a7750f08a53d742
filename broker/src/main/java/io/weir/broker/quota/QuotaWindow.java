package io.weir.broker.quota;

/**
 * Kafka's quota window: {@code quota.window.num} samples of {@code quota.window.size.seconds}.
 * Every rate quota of a node (client byte rates and request time, IP and node-wide connection
 * rates) measures over it, so its checks and its arithmetic live here once.
 */
record QuotaWindow(int samples, int sampleSeconds) {
    QuotaWindow {
        if (samples < 2) throw new IllegalArgumentException("quota.window.num must be at least 2");
        if (sampleSeconds < 1) throw new IllegalArgumentException("quota.window.size.seconds must be at least 1");
    }

    /** One sample: Kafka's cap on a request-time or connection throttle. */
    long sampleMs() {
        return sampleSeconds * 1000L;
    }

    /** The whole window: Kafka's cap on a byte-rate throttle. */
    long wholeWindowMs() {
        return samples * sampleMs();
    }

    /** The burst a quota allows, in seconds of its bound: Kafka's {@code (quota.window.num - 1) * quota.window.size.seconds}. */
    double burstSeconds() {
        return (samples - 1) * (double) sampleSeconds;
    }

    /** A token bucket holding {@link #burstSeconds()} of credit, throttling at most {@code maxThrottleMs} at once. */
    QuotaBucket bucket(long maxThrottleMs) {
        return new QuotaBucket(burstSeconds(), maxThrottleMs);
    }
}
