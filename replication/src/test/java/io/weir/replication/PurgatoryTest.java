package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PurgatoryTest {
    private static final TopicPartition A = new TopicPartition("a", 0);
    private static final TopicPartition B = new TopicPartition("b", 0);

    /** Completes once {@code ready} is set; records how it ended. */
    private static class Op implements Purgatory.DelayedOperation {
        final Purgatory.WaitsFor waitsFor;
        final AtomicBoolean ready = new AtomicBoolean();
        final AtomicInteger checks = new AtomicInteger();
        volatile String outcome;

        Op() {
            this(Purgatory.WaitsFor.OTHER);
        }

        Op(Purgatory.WaitsFor waitsFor) {
            this.waitsFor = waitsFor;
        }

        @Override
        public Purgatory.WaitsFor waitsFor() {
            return waitsFor;
        }

        @Override
        public synchronized boolean tryComplete() {
            checks.incrementAndGet();
            if (outcome != null) return true;
            if (!ready.get()) return false;
            outcome = "completed";
            return true;
        }

        @Override
        public synchronized void forceComplete() {
            if (outcome == null) outcome = "forced";
        }
    }

    @Test
    void aChangeToAWatchedPartitionCompletesTheOperation() {
        try (Purgatory purgatory = new Purgatory()) {
            Op op = new Op();
            purgatory.park(op, List.of(A, B, A), 60_000);
            await().until(() -> purgatory.watching(A) == 1 && purgatory.watching(B) == 1);

            purgatory.onChange(A);
            await().until(() -> op.checks.get() >= 2);
            assertThat(op.outcome).isNull();

            op.ready.set(true);
            purgatory.onChange(B);
            await().until(() -> "completed".equals(op.outcome));
            await().until(() -> purgatory.watching(A) == 0 && purgatory.watching(B) == 0);
        }
    }

    @Test
    void dataThatArrivedBeforeParkingIsSeenByTheFirstCheck() {
        try (Purgatory purgatory = new Purgatory()) {
            Op op = new Op();
            op.ready.set(true);
            purgatory.onChange(A); // nobody watches yet: nothing to do
            purgatory.park(op, List.of(A), 60_000);
            await().until(() -> "completed".equals(op.outcome));
        }
    }

    @Test
    void theDeadlineForcesTheOperationAndUnwatchesIt() {
        try (Purgatory purgatory = new Purgatory()) {
            Op slow = new Op();
            Op fast = new Op();
            purgatory.park(slow, List.of(A), 60_000);
            purgatory.park(fast, List.of(A), 50);
            await().atMost(Duration.ofSeconds(10)).until(() -> "forced".equals(fast.outcome));
            assertThat(slow.outcome).isNull();
            await().until(() -> purgatory.watching(A) == 1);
        }
    }

    @Test
    void closeForcesEverythingParkedAndEverythingParkedLater() {
        Purgatory purgatory = new Purgatory();
        Op parked = new Op();
        purgatory.park(parked, List.of(A), 60_000);
        purgatory.close();
        assertThat(parked.outcome).isEqualTo("forced");

        Op late = new Op();
        purgatory.park(late, List.of(A), 60_000);
        assertThat(late.outcome).isEqualTo("forced");
    }

    @Test
    void anOperationThatThrowsIsCompletedAndThePurgatoryGoesOn() {
        try (Purgatory purgatory = new Purgatory()) {
            AtomicBoolean forced = new AtomicBoolean();
            purgatory.park(new Purgatory.DelayedOperation() {
                @Override
                public boolean tryComplete() {
                    throw new IllegalStateException("boom");
                }

                @Override
                public void forceComplete() {
                    forced.set(true);
                }
            }, List.of(A), 60_000);
            await().untilTrue(forced);

            // An Error at the deadline (as a faulted mapped write would raise) does not kill the thread.
            purgatory.park(new Purgatory.DelayedOperation() {
                @Override
                public boolean tryComplete() {
                    return false;
                }

                @Override
                public void forceComplete() {
                    throw new InternalError("a fault occurred in an unsafe memory access operation");
                }
            }, List.of(B), 10);
            await().until(() -> purgatory.watching(B) == 0);

            Op op = new Op();
            op.ready.set(true);
            purgatory.park(op, List.of(A), 60_000);
            await().until(() -> "completed".equals(op.outcome));
        }
    }

    @Test
    void checkAndCompleteAnswersOnTheChangingThreadWhileThePurgatoryThreadIsBusy() {
        try (Purgatory purgatory = new Purgatory()) {
            Op op = new Op(Purgatory.WaitsFor.HIGH_WATERMARK);
            purgatory.park(op, List.of(A), 60_000);
            await().until(() -> purgatory.watching(A) == 1);
            try (StuckPurgatoryThread stuck = new StuckPurgatoryThread(purgatory)) {
                op.ready.set(true);
                purgatory.checkAndComplete(A, Purgatory.WaitsFor.HIGH_WATERMARK);
                assertThat(op.outcome).as("completed by the caller, not the (held) purgatory thread").isEqualTo("completed");
            }
            // The purgatory thread still removes it.
            await().until(() -> purgatory.watching(A) == 0);
        }
    }

    @Test
    void anOperationThatThrowsOnTheChangingThreadIsLeftToThePurgatory() {
        try (Purgatory purgatory = new Purgatory()) {
            AtomicInteger calls = new AtomicInteger();
            AtomicBoolean forced = new AtomicBoolean();
            purgatory.park(new Purgatory.DelayedOperation() {
                @Override
                public boolean tryComplete() {
                    if (calls.incrementAndGet() > 1) throw new IllegalStateException("boom");
                    return false;
                }

                @Override
                public void forceComplete() {
                    forced.set(true);
                }

                @Override
                public Purgatory.WaitsFor waitsFor() {
                    return Purgatory.WaitsFor.DATA;
                }
            }, List.of(A), 60_000);
            await().until(() -> purgatory.watching(A) == 1);
            purgatory.checkAndComplete(A, Purgatory.WaitsFor.DATA); // throws inside: not the caller's problem
            await().untilTrue(forced);
            await().until(() -> purgatory.watching(A) == 0);
        }
    }

    @Test
    void anErrorOnTheChangingThreadStaysThereAndThePurgatoryCompletesTheOperation() {
        try (Purgatory purgatory = new Purgatory()) {
            AtomicInteger calls = new AtomicInteger();
            AtomicBoolean completed = new AtomicBoolean();
            purgatory.park(new Purgatory.DelayedOperation() {
                @Override
                public boolean tryComplete() {
                    int call = calls.incrementAndGet();
                    if (call == 1) return false; // the check at registration
                    if (call == 2) throw new InternalError("a fault occurred in an unsafe memory access operation");
                    completed.set(true);
                    return true;
                }

                @Override
                public void forceComplete() {
                }

                @Override
                public Purgatory.WaitsFor waitsFor() {
                    return Purgatory.WaitsFor.HIGH_WATERMARK;
                }
            }, List.of(A), 60_000);
            await().until(() -> purgatory.watching(A) == 1);
            // The caller's change (an append, a follower's position) is made: it must not fail.
            purgatory.checkAndComplete(A, Purgatory.WaitsFor.HIGH_WATERMARK);
            assertThat(calls.get()).as("checked here, the Error caught").isGreaterThanOrEqualTo(2);
            await().untilTrue(completed);
            await().until(() -> purgatory.watching(A) == 0);
        }
    }

    @Test
    void aChangingThreadCompletesOnlyWhatWaitsForItsKindOfChange() {
        try (Purgatory purgatory = new Purgatory()) {
            Op fetch = new Op(Purgatory.WaitsFor.DATA);
            Op acks = new Op(Purgatory.WaitsFor.HIGH_WATERMARK);
            Op other = new Op();
            purgatory.park(fetch, List.of(A), 60_000);
            purgatory.park(acks, List.of(A), 60_000);
            purgatory.park(other, List.of(A), 60_000);
            await().until(() -> purgatory.watching(A) == 3);
            try (StuckPurgatoryThread stuck = new StuckPurgatoryThread(purgatory)) {
                fetch.ready.set(true);
                acks.ready.set(true);
                other.ready.set(true);
                purgatory.checkAndComplete(A, Purgatory.WaitsFor.DATA);
                assertThat(fetch.outcome).as("waits for data: on the appending thread").isEqualTo("completed");
                assertThat(acks.outcome).as("waits for the HW: not on an append").isNull();
                purgatory.checkAndComplete(A, Purgatory.WaitsFor.HIGH_WATERMARK);
                assertThat(acks.outcome).as("waits for the HW: on the thread that moved it").isEqualTo("completed");
                assertThat(other.outcome).as("the rest: left to the (held) purgatory thread").isNull();
            }
            await().until(() -> "completed".equals(other.outcome));
            await().until(() -> purgatory.watching(A) == 0);
        }
    }
}
