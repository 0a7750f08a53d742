package io.weir.replication;

/**
 * Replication settings, named after the Kafka broker configs they implement.
 *
 * @param replicaLagTimeMaxMs   a follower not caught up for this long leaves the ISR ({@code replica.lag.time.max.ms})
 * @param fetchMaxBytes         per-partition bytes per replica fetch ({@code replica.fetch.max.bytes})
 * @param fetchResponseMaxBytes bytes per replica fetch response ({@code replica.fetch.response.max.bytes})
 * @param fetchWaitMaxMs        how long the leader may hold a replica fetch ({@code replica.fetch.wait.max.ms})
 * @param fetchMinBytes         bytes the leader waits for before answering ({@code replica.fetch.min.bytes})
 * @param fetchBackoffMs        pause after a failed fetch ({@code replica.fetch.backoff.ms})
 * @param requestTimeoutMs      bound on one replica request beyond its wait time
 * @param followerThrottledRate bytes per second this broker copies into replicas that a reassignment is
 *                              adding ({@code follower.replication.throttled.rate}; {@code Long.MAX_VALUE}, Kafka's
 *                              default, for no bound). Kafka applies it to the replicas a topic's
 *                              {@code follower.replication.throttled.replicas} lists, which its reassignment
 *                              tool sets to the moving ones; Weir applies it to the moving ones directly.
 * @param leaderThrottledRate   bytes per second this broker, as partition leader, sends to replicas that a
 *                              reassignment is adding ({@code leader.replication.throttled.rate}; same default and
 *                              the same replicas). Neither throttle holds back a replica once it is in the ISR
 *                              (committed or being added), as in Kafka, so acks=all writes never wait for it.
 */
public record ReplicationConfig(
        long replicaLagTimeMaxMs,
        int fetchMaxBytes,
        int fetchResponseMaxBytes,
        int fetchWaitMaxMs,
        int fetchMinBytes,
        int fetchBackoffMs,
        int requestTimeoutMs,
        long followerThrottledRate,
        long leaderThrottledRate) {

    public ReplicationConfig {
        if (replicaLagTimeMaxMs <= 0 || fetchMaxBytes <= 0 || fetchResponseMaxBytes <= 0 || fetchWaitMaxMs < 0
                || fetchMinBytes < 0 || fetchBackoffMs <= 0 || requestTimeoutMs <= 0 || followerThrottledRate <= 0
                || leaderThrottledRate <= 0) {
            throw new IllegalArgumentException("Invalid replication config " + this);
        }
    }

    /** Kafka's defaults. */
    public static ReplicationConfig defaults() {
        return new ReplicationConfig(30_000, 1024 * 1024, 10 * 1024 * 1024, 500, 1, 1000, 30_000, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public ReplicationConfig withReplicaLagTimeMaxMs(long ms) {
        return new ReplicationConfig(ms, fetchMaxBytes, fetchResponseMaxBytes, fetchWaitMaxMs, fetchMinBytes,
                fetchBackoffMs, requestTimeoutMs, followerThrottledRate, leaderThrottledRate);
    }

    public ReplicationConfig withFetchBackoffMs(int ms) {
        return new ReplicationConfig(replicaLagTimeMaxMs, fetchMaxBytes, fetchResponseMaxBytes, fetchWaitMaxMs,
                fetchMinBytes, ms, requestTimeoutMs, followerThrottledRate, leaderThrottledRate);
    }

    public ReplicationConfig withFollowerThrottledRate(long bytesPerSecond) {
        return new ReplicationConfig(replicaLagTimeMaxMs, fetchMaxBytes, fetchResponseMaxBytes, fetchWaitMaxMs,
                fetchMinBytes, fetchBackoffMs, requestTimeoutMs, bytesPerSecond, leaderThrottledRate);
    }

    public ReplicationConfig withLeaderThrottledRate(long bytesPerSecond) {
        return new ReplicationConfig(replicaLagTimeMaxMs, fetchMaxBytes, fetchResponseMaxBytes, fetchWaitMaxMs,
                fetchMinBytes, fetchBackoffMs, requestTimeoutMs, followerThrottledRate, bytesPerSecond);
    }
}
