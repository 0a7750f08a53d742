package io.weir.broker.fetch.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.SplittableRandom;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.requests.FetchMetadata;
import org.junit.jupiter.api.Test;

/** Kafka's eviction rules ({@code FetchSessionCacheShard.tryEvict}), step by step with a fake clock. */
class FetchSessionCacheTest {
    private static final long EVICTION_MS = 1_000;
    private final FetchSessionCache cache = new FetchSessionCache(2, EVICTION_MS, new SplittableRandom(7));

    private int create(long now, boolean privileged, int size) {
        return cache.maybeCreate(now, privileged, size, true, () -> partitions(size));
    }

    private static LinkedHashMap<SessionPartition, CachedPartition> partitions(int size) {
        LinkedHashMap<SessionPartition, CachedPartition> out = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            SessionPartition key = SessionPartition.byName("t", i);
            out.put(key, new CachedPartition(key, new FetchPartition().setPartition(i)));
        }
        return out;
    }

    @Test
    void aFullCacheRefusesANewSessionWhileEveryEntryIsYoungAndUsed() {
        int a = create(0, false, 5);
        int b = create(10, false, 5);
        assertThat(a).isPositive().isNotEqualTo(b);
        assertThat(create(20, false, 100)).isEqualTo(FetchMetadata.INVALID_SESSION_ID);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.totalPartitions()).isEqualTo(10);
    }

    @Test
    void aNewSessionsPartitionsAreBuiltOutsideTheCachesMonitor() {
        // Every fetch takes the monitor to look its session up: building thousands of entries under it would stall them.
        boolean[] heldWhileBuilding = {true};
        int id = cache.maybeCreate(0, false, 3, true, () -> {
            heldWhileBuilding[0] = Thread.holdsLock(cache);
            return partitions(3);
        });
        assertThat(id).isPositive();
        assertThat(heldWhileBuilding[0]).isFalse();
        assertThat(cache.totalPartitions()).isEqualTo(3);
    }

    @Test
    void anIdleSessionIsEvictedFirst() {
        int a = create(0, true, 50);
        int b = create(600, false, 5);
        int c = create(1_001, false, 1); // a idle for more than the eviction time
        assertThat(c).isPositive();
        assertThat(cache.get(a)).isEmpty();
        assertThat(cache.get(b)).isPresent();
        assertThat(cache.evictions()).isEqualTo(1);
    }

    @Test
    void anOldSmallerConsumerSessionMakesWayForABiggerOne() {
        int small = create(0, false, 3);
        int big = create(0, false, 9);
        cache.touch(cache.get(small).orElseThrow(), 1_500); // used, but older than the eviction time
        cache.touch(cache.get(big).orElseThrow(), 1_500);
        assertThat(create(1_600, false, 2)).as("smaller than every old session").isEqualTo(FetchMetadata.INVALID_SESSION_ID);
        int bigger = create(1_600, false, 4);
        assertThat(bigger).isPositive();
        assertThat(cache.get(small)).isEmpty();
        assertThat(cache.get(big)).isPresent();
    }

    @Test
    void aFollowerEvictsAYoungConsumerButAConsumerNeverEvictsAFollower() {
        int follower = create(0, true, 1);
        int consumer = create(0, false, 1_000);
        int another = create(10, true, 1);
        assertThat(another).as("privileged beats a consumer of any size and age").isPositive();
        assertThat(cache.get(consumer)).isEmpty();
        cache.touch(cache.get(follower).orElseThrow(), 1_500);
        cache.touch(cache.get(another).orElseThrow(), 1_500);
        assertThat(create(1_600, false, 1_000_000)).isEqualTo(FetchMetadata.INVALID_SESSION_ID);
        assertThat(cache.get(follower)).isPresent();
    }

    @Test
    void removingASessionGivesBackItsSlotAndPartitions() {
        int a = create(0, false, 5);
        create(0, false, 7);
        assertThat(cache.remove(a)).isPresent();
        assertThat(cache.remove(a)).isEmpty();
        assertThat(cache.totalPartitions()).isEqualTo(7);
        assertThat(create(1, false, 1)).isPositive();
    }

    @Test
    void noSlotsMeansNoSessions() {
        FetchSessionCache none = new FetchSessionCache(0, EVICTION_MS, new SplittableRandom(1));
        assertThat(none.maybeCreate(0, true, 10, true, () -> partitions(10))).isEqualTo(FetchMetadata.INVALID_SESSION_ID);
    }
}
