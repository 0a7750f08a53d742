package io.weir.broker.fetch.session;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.apache.kafka.common.requests.FetchMetadata;

/**
 * The node's bounded set of fetch sessions, with Kafka's eviction rule
 * ({@code FetchSessionCacheShard.tryEvict}): when all {@code max.incremental.fetch.session.cache.slots}
 * are taken, a new session may replace
 * <ol>
 *   <li>the least recently used session if it has been idle longer than the eviction time
 *       ({@code min.incremental.fetch.session.eviction.ms}, 2 minutes), else</li>
 *   <li>the least valuable session older than the eviction time, ordered by (privileged, size):
 *       a follower's (privileged) session ranks above every consumer's, and among equals a
 *       bigger session above a smaller one. A new session evicts it only if it ranks at least
 *       as high; a new privileged session may also evict a younger consumer's session.</li>
 * </ol>
 * Otherwise no session is created and the fetcher keeps sending full requests. Time comes in as
 * arguments and session ids from the given random source, so tests drive it step by step. One
 * cache, where Kafka shards it eight ways for lock contention: a node here serves far fewer
 * fetchers than one of Kafka's.
 */
public final class FetchSessionCache {
    public static final int DEFAULT_SLOTS = 1000;
    public static final long DEFAULT_EVICTION_MS = 120_000;

    private final int maxEntries;
    private final long evictionMs;
    private final RandomGenerator random;
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private final TreeMap<LastUsed, FetchSession> lastUsed = new TreeMap<>();
    /** Sessions older than the eviction time: any new session may evict them by rank. */
    private final TreeMap<Evictable, FetchSession> evictableByAll = new TreeMap<>();
    /** Those plus every consumer's session: a new follower's session may evict these. */
    private final TreeMap<Evictable, FetchSession> evictableByPrivileged = new TreeMap<>();
    private long partitions;
    private long evictions;

    public FetchSessionCache(int maxEntries, long evictionMs, RandomGenerator random) {
        if (maxEntries < 0) throw new IllegalArgumentException("max.incremental.fetch.session.cache.slots must not be negative");
        if (evictionMs < 0) throw new IllegalArgumentException("the session eviction time must not be negative");
        this.maxEntries = maxEntries;
        this.evictionMs = evictionMs;
        this.random = random;
    }

    public synchronized Optional<FetchSession> get(int sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    /** The sessions now in the cache. */
    public synchronized java.util.List<FetchSession> sessions() {
        return java.util.List.copyOf(sessions.values());
    }

    public synchronized int size() {
        return sessions.size();
    }

    /** Partitions over all sessions, as last indexed. */
    public synchronized long totalPartitions() {
        return partitions;
    }

    public synchronized long evictions() {
        return evictions;
    }

    /**
     * Creates a session of {@code size} partitions if a slot is free or one can be evicted.
     * {@code partitions} is built before the cache's monitor is taken (a session may have
     * thousands of partitions, and every fetch takes the monitor to look its session up), so it
     * may be built in vain when no slot can be had; never when the cache has no slots at all.
     *
     * @return the new session's id, or {@link FetchMetadata#INVALID_SESSION_ID}
     */
    public int maybeCreate(long now, boolean privileged, int size, boolean usesTopicIds,
                           Supplier<LinkedHashMap<SessionPartition, CachedPartition>> partitions) {
        if (maxEntries == 0) {
            return FetchMetadata.INVALID_SESSION_ID;
        }
        LinkedHashMap<SessionPartition, CachedPartition> built = partitions.get();
        synchronized (this) {
            if (sessions.size() >= maxEntries && !tryEvict(privileged, new Evictable(privileged, size, 0), now)) {
                return FetchMetadata.INVALID_SESSION_ID;
            }
            FetchSession session = new FetchSession(newSessionId(), privileged, usesTopicIds, now, built);
            sessions.put(session.id(), session);
            touch(session, now);
            return session.id();
        }
    }

    private int newSessionId() {
        int id;
        do {
            id = random.nextInt(1, Integer.MAX_VALUE);
        } while (sessions.containsKey(id));
        return id;
    }

    private boolean tryEvict(boolean privileged, Evictable candidate, long now) {
        Map.Entry<LastUsed, FetchSession> oldest = lastUsed.firstEntry();
        if (oldest == null) return false;
        if (now - oldest.getKey().lastUsedMs() > evictionMs) {
            remove(oldest.getValue());
            evictions++;
            return true;
        }
        Map.Entry<Evictable, FetchSession> least = (privileged ? evictableByPrivileged : evictableByAll).firstEntry();
        if (least == null || candidate.compareTo(least.getKey()) < 0) return false;
        remove(least.getValue());
        evictions++;
        return true;
    }

    public synchronized Optional<FetchSession> remove(int sessionId) {
        FetchSession session = sessions.get(sessionId);
        return session == null ? Optional.empty() : remove(session);
    }

    public synchronized Optional<FetchSession> remove(FetchSession session) {
        if (sessions.get(session.id()) != session) return Optional.empty();
        lastUsed.remove(new LastUsed(session.lastUsedMs(), session.id()));
        Evictable key = evictable(session, session.cachedSize());
        evictableByAll.remove(key);
        evictableByPrivileged.remove(key);
        sessions.remove(session.id());
        partitions -= session.cachedSize();
        session.cachedSize(-1);
        return Optional.of(session);
    }

    /** Marks a session used now and re-indexes it under its current size. */
    public synchronized void touch(FetchSession session, long now) {
        if (sessions.get(session.id()) != session) return;
        lastUsed.remove(new LastUsed(session.lastUsedMs(), session.id()));
        session.lastUsedMs(now);
        lastUsed.put(new LastUsed(now, session.id()), session);
        int oldSize = session.cachedSize();
        if (oldSize != -1) {
            Evictable old = evictable(session, oldSize);
            evictableByAll.remove(old);
            evictableByPrivileged.remove(old);
            partitions -= oldSize;
        }
        int size = session.size();
        session.cachedSize(size);
        Evictable key = evictable(session, size);
        boolean old = now - session.creationMs() > evictionMs;
        if (!session.privileged() || old) evictableByPrivileged.put(key, session);
        if (old) evictableByAll.put(key, session);
        partitions += size;
    }

    private static Evictable evictable(FetchSession session, int size) {
        return new Evictable(session.privileged(), size, session.id());
    }

    private record LastUsed(long lastUsedMs, int id) implements Comparable<LastUsed> {
        @Override
        public int compareTo(LastUsed o) {
            int c = Long.compare(lastUsedMs, o.lastUsedMs);
            return c != 0 ? c : Integer.compare(id, o.id);
        }
    }

    /** A session's rank for eviction: consumers' below followers', smaller below bigger. */
    private record Evictable(boolean privileged, int size, int id) implements Comparable<Evictable> {
        @Override
        public int compareTo(Evictable o) {
            if (privileged != o.privileged) return Boolean.compare(privileged, o.privileged);
            if (size != o.size) return Integer.compare(size, o.size);
            return Integer.compare(id, o.id);
        }
    }
}
