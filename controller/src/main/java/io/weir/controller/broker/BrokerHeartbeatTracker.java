package io.weir.controller.broker;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * When each broker last heartbeated, in the active controller only. This is soft state, not
 * metadata: a new active controller starts every known broker's session afresh (Kafka does
 * the same), so a failover never fences healthy brokers. Times are monotonic milliseconds
 * from an injected clock. Not thread-safe; owned by the controller thread.
 *
 * <p>Time the controller itself was not running does not count against a session: when an
 * expiry check comes more than {@code checkPeriodMs} after the previous one (the controller's
 * thread was busy, its JVM paused or the machine overloaded), the lateness is added to every
 * session, since heartbeats that arrived meanwhile were still queued behind the stall. So a
 * short session timeout fences dead brokers fast without fencing live ones after a stall of
 * the controller.
 */
public final class BrokerHeartbeatTracker {
    private final long sessionTimeoutMs;
    private final long checkPeriodMs;
    /** When {@link #expired} last ran; -1 before the first check. */
    private long lastCheckMs = -1;
    private final Map<Integer, Long> lastContactMs = new HashMap<>();
    private final Map<Integer, Long> registrationOffsets = new HashMap<>();
    /** Brokers whose last heartbeat said their data directory takes no appends. */
    private final Set<Integer> offlineLogDirs = new HashSet<>();

    /**
     * @param sessionTimeoutMs a broker not heard from for longer is expired
     * @param checkPeriodMs    how often {@link #expired} is meant to run; a later check forgives its
     *                         lateness ({@code Long.MAX_VALUE}: never)
     */
    public BrokerHeartbeatTracker(long sessionTimeoutMs, long checkPeriodMs) {
        if (sessionTimeoutMs <= 0 || checkPeriodMs <= 0) {
            throw new IllegalArgumentException("session timeout and check period must be positive, not "
                + sessionTimeoutMs + " and " + checkPeriodMs);
        }
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.checkPeriodMs = checkPeriodMs;
    }

    public void touch(int brokerId, long nowMs) {
        lastContactMs.put(brokerId, nowMs);
    }

    public void forget(int brokerId) {
        lastContactMs.remove(brokerId);
        offlineLogDirs.remove(brokerId);
    }

    /** What the broker's latest heartbeat said of its data directory. */
    public void logDirOffline(int brokerId, boolean offline) {
        if (offline) {
            offlineLogDirs.add(brokerId);
        } else {
            offlineLogDirs.remove(brokerId);
        }
    }

    /** True while the broker's data directory takes no appends (as of its latest heartbeat to this controller). */
    public boolean isLogDirOffline(int brokerId) {
        return offlineLogDirs.contains(brokerId);
    }

    /**
     * The metadata offset at which a broker's latest registration committed. Every node records
     * it while replaying, so a new active controller knows it too; unknown (e.g. the
     * registration was folded into a snapshot) counts as already replayed.
     */
    public void registrationCommitted(int brokerId, long offset) {
        registrationOffsets.put(brokerId, offset);
    }

    /** True when a broker at {@code metadataOffset} has replayed its own registration. */
    public boolean isCaughtUp(int brokerId, long metadataOffset) {
        return metadataOffset >= registrationOffsets.getOrDefault(brokerId, -1L);
    }

    public void resetAll(Iterable<Integer> brokerIds, long nowMs) {
        lastContactMs.clear();
        brokerIds.forEach(id -> lastContactMs.put(id, nowMs));
        lastCheckMs = nowMs;
    }

    public boolean hasExpired(int brokerId, long nowMs) {
        Long last = lastContactMs.get(brokerId);
        return last == null || nowMs - last > sessionTimeoutMs;
    }

    /**
     * The periodic expiry check: tracked brokers whose session has expired, in id order, after
     * forgiving every session the time this check came late (a stall of the controller).
     */
    public List<Integer> expired(long nowMs) {
        long lateness = lastCheckMs < 0 ? 0 : nowMs - lastCheckMs - checkPeriodMs;
        if (lateness > 0 && checkPeriodMs != Long.MAX_VALUE) {
            lastContactMs.replaceAll((id, last) -> Math.min(nowMs, last + lateness));
        }
        lastCheckMs = Math.max(lastCheckMs, nowMs);
        return lastContactMs.entrySet().stream()
            .filter(e -> nowMs - e.getValue() > sessionTimeoutMs)
            .map(Map.Entry::getKey).sorted().toList();
    }
}
