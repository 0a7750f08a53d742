package io.weir.controller.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Session expiry with a short session timeout: dead brokers expire one check period after their
 * session, live ones never, even when the controller itself stalls for longer than a session.
 */
class BrokerHeartbeatTrackerTest {
    private static final long SESSION_MS = 3_000;
    private static final long PERIOD_MS = 100;
    private static final long HEARTBEAT_MS = 500;

    @Test
    void aBrokerThatStopsHeartbeatingExpiresAtTheFirstCheckAfterItsSession() {
        BrokerHeartbeatTracker t = new BrokerHeartbeatTracker(SESSION_MS, PERIOD_MS);
        t.touch(1, 0);
        t.touch(2, 0);
        long now = 0;
        while (t.expired(now).isEmpty()) {
            t.touch(2, now);
            now += PERIOD_MS;
        }
        assertThat(t.expired(now)).containsExactly(1);
        assertThat(now).isGreaterThan(SESSION_MS).isLessThanOrEqualTo(SESSION_MS + PERIOD_MS);
    }

    @Test
    void aStallOfTheControllerLongerThanASessionFencesNobodyWhoseHeartbeatWasQueued() {
        BrokerHeartbeatTracker t = new BrokerHeartbeatTracker(SESSION_MS, PERIOD_MS);
        t.touch(1, 0);
        assertThat(t.expired(PERIOD_MS)).isEmpty();
        // The controller's thread runs nothing for 5 s; the check queued behind the stall runs
        // before the broker's queued heartbeat.
        assertThat(t.expired(5_100)).isEmpty();
        t.touch(1, 5_100);
        assertThat(t.expired(5_200)).isEmpty();
    }

    @Test
    void aDeadBrokerStillExpiresAfterAStallOnlyLaterByTheStall() {
        BrokerHeartbeatTracker t = new BrokerHeartbeatTracker(SESSION_MS, PERIOD_MS);
        t.touch(1, 0);
        long now = PERIOD_MS;
        assertThat(t.expired(now)).isEmpty();
        now += 2_000 + PERIOD_MS; // a 2 s stall
        assertThat(t.expired(now)).isEmpty();
        while (t.expired(now).isEmpty()) {
            now += PERIOD_MS;
            assertThat(now).as("expired by now").isLessThanOrEqualTo(SESSION_MS + 2_000 + 2 * PERIOD_MS);
        }
        assertThat(now).isGreaterThan(SESSION_MS + 2_000);
    }

    @Test
    void withoutACheckPeriodSparseChecksForgiveNothing() {
        BrokerHeartbeatTracker t = new BrokerHeartbeatTracker(1_000, Long.MAX_VALUE);
        t.touch(1, 0);
        assertThat(t.expired(500)).isEmpty();
        assertThat(t.expired(1_500)).containsExactly(1);
    }

    /**
     * A broker heartbeating every 500 ms to a controller that checks every 100 ms but stalls at
     * random (up to 10 s at a time): nothing the broker sent is lost, only delayed, so its session
     * never expires. Worst case ordering: a check due during a stall runs before the heartbeats
     * queued behind it.
     */
    @Property(tries = 300)
    void aLiveBrokerNeverExpiresWhateverTheControllerStalls(
            @ForAll @Size(max = 8) List<@IntRange(min = 1, max = 20_000) Integer> stallStarts,
            @ForAll @Size(max = 8) List<@IntRange(min = 1, max = 10_000) Integer> stallLengths) {
        List<long[]> stalls = stalls(stallStarts, stallLengths);
        BrokerHeartbeatTracker t = new BrokerHeartbeatTracker(SESSION_MS, PERIOD_MS);
        t.resetAll(List.of(1), 0); // the controller became active at 0
        long nextCheck = PERIOD_MS;
        long nextHeartbeatSent = HEARTBEAT_MS;
        long end = 40_000;
        while (nextCheck < end) {
            long checkAt = runnableAt(nextCheck, stalls);
            long heartbeatAt = runnableAt(nextHeartbeatSent, stalls);
            if (checkAt <= heartbeatAt) {
                assertThat(t.expired(checkAt)).as("check at %d", checkAt).isEmpty();
                nextCheck = checkAt + PERIOD_MS;
            } else {
                t.touch(1, heartbeatAt);
                // The broker sends its next heartbeat an interval after its last was answered.
                nextHeartbeatSent = heartbeatAt + HEARTBEAT_MS;
            }
        }
    }

    /** When the controller's thread can run something due at {@code dueMs}: after any stall covering it. */
    private static long runnableAt(long dueMs, List<long[]> stalls) {
        long at = dueMs;
        for (long[] s : stalls) {
            if (at >= s[0] && at < s[1]) {
                at = s[1];
            }
        }
        return at;
    }

    private static List<long[]> stalls(List<Integer> starts, List<Integer> lengths) {
        List<long[]> stalls = new ArrayList<>();
        for (int i = 0; i < Math.min(starts.size(), lengths.size()); i++) {
            stalls.add(new long[] {starts.get(i), starts.get(i) + lengths.get(i)});
        }
        stalls.sort((a, b) -> Long.compare(a[0], b[0]));
        return stalls;
    }
}
