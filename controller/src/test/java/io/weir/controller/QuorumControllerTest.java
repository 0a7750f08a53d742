package io.weir.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.weir.controller.broker.BrokerHeartbeatReply;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.Coordination;
import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.coordination.LocalCoordination;
import io.weir.controller.coordination.NotControllerException;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.partition.AlterPartitionRequest;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreateTopicResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QuorumControllerTest {
    private static final Duration SESSION = Duration.ofMillis(400);
    private final LocalCoordination.Log log = new LocalCoordination.Log();
    private final AtomicLong clock = new AtomicLong();
    private final List<QuorumController> controllers = new ArrayList<>();

    private QuorumController node(int id) {
        QuorumController c = new QuorumController(new LocalCoordination(log, id),
            ControllerConfig.DEFAULT.withBrokerSessionTimeout(SESSION), clock::get,
            UUID::randomUUID);
        controllers.add(c);
        c.start();
        return c;
    }

    @AfterEach
    void closeAll() {
        controllers.forEach(QuorumController::close);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static long liveBroker(QuorumController c, int id) throws Exception {
        BrokerRegistrationReply r = get(c.registerBroker(Fixtures.registration(id, null)));
        BrokerHeartbeatReply hb = get(c.brokerHeartbeat(
            new BrokerHeartbeatRequest(id, r.brokerEpoch(), c.image().offset(), false, false)));
        assertThat(hb.isFenced()).isFalse();
        return r.brokerEpoch();
    }

    @Test
    void looksForExpiredBrokerSessionsEightTimesPerSessionTimeoutAndAtLeastEveryTenthOfASecond() {
        // A dead broker is fenced within its session + 0.1 s of its last heartbeat (Kafka: + 1/8 session).
        assertThat(QuorumController.fenceCheckPeriodMs(Duration.ofSeconds(9))).isEqualTo(100);
        assertThat(QuorumController.fenceCheckPeriodMs(Duration.ofMillis(400))).isEqualTo(50);
        assertThat(QuorumController.fenceCheckPeriodMs(Duration.ofMillis(4))).isEqualTo(1);
    }

    @Test
    void theActiveControllerAnswersAfterTheRecordsAreCommittedAndReplayed() throws Exception {
        QuorumController c = node(1);
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(c::isActive);
        liveBroker(c, 1);
        List<CreateTopicResult> r = get(c.createTopics(List.of(CreatableTopic.of("a", 2, 1)), false));
        assertThat(r.get(0).status().isOk()).isTrue();
        assertThat(c.image().topic("a")).isPresent();
        assertThat(c.image()).isEqualTo(log.replayAll());
    }

    @Test
    void aStandbyRefusesWritesAndNamesTheActiveController() throws Exception {
        QuorumController active = node(1);
        QuorumController standby = node(2);
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(active::isActive);
        assertThatThrownBy(() -> get(standby.createTopics(List.of(CreatableTopic.of("x", 1, 1)),
            false)))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(NotControllerException.class)
            .satisfies(e -> assertThat(((NotControllerException) e).knownController()
                .orElseThrow().nodeId()).isEqualTo(1));
    }

    @Test
    void afterFailoverTheNewControllerContinuesFromTheCommittedImage() throws Exception {
        QuorumController one = node(1);
        QuorumController two = node(2);
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(one::isActive);
        liveBroker(one, 1);
        get(one.createTopics(List.of(CreatableTopic.of("before", 1, 1)), false));

        log.elect(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> two.isActive() && !one.isActive());
        List<CreateTopicResult> r = get(two.createTopics(List.of(
            CreatableTopic.of("before", 1, 1), CreatableTopic.of("after", 1, 1)), false));
        assertThat(r.get(0).status().error()).isEqualTo(ApiError.TOPIC_ALREADY_EXISTS);
        assertThat(r.get(1).status().isOk()).isTrue();

        await().atMost(Duration.ofSeconds(10))
            .until(() -> one.image().offset() == two.image().offset());
        MetadataImage replayed = log.replayAll();
        assertThat(one.image()).isEqualTo(replayed);
        assertThat(two.image()).isEqualTo(replayed);
        assertThat(replayed.topic("before")).isPresent();
        assertThat(replayed.topic("after")).isPresent();
    }

    /** Fails the next append as a lost leadership would, after nothing was committed. */
    private static class FlakyCoordination implements Coordination {
        private final LocalCoordination delegate;
        volatile boolean failNext;

        FlakyCoordination(LocalCoordination delegate) {
            this.delegate = delegate;
        }

        @Override
        public int nodeId() {
            return delegate.nodeId();
        }

        @Override
        public void start(CoordinationListener listener) {
            delegate.start(listener);
        }

        @Override
        public CompletableFuture<Long> append(long epoch, List<MetadataRecord> records) {
            if (failNext) {
                failNext = false;
                return CompletableFuture.failedFuture(
                    new NotControllerException("injected", Optional.empty()));
            }
            return delegate.append(epoch, records);
        }

        @Override
        public Optional<ControllerLocation> activeController() {
            return delegate.activeController();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    @Test
    void aFailedAppendIsReportedAndTheControllerResyncsFromCommittedState() throws Exception {
        FlakyCoordination flaky = new FlakyCoordination(new LocalCoordination(log, 1));
        QuorumController c = new QuorumController(flaky, ControllerConfig.DEFAULT, clock::get,
            UUID::randomUUID);
        controllers.add(c);
        c.start();
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(c::isActive);
        liveBroker(c, 1);

        flaky.failNext = true;
        assertThatThrownBy(() -> get(c.createTopics(List.of(CreatableTopic.of("lost", 1, 1)), false)))
            .cause().isInstanceOf(NotControllerException.class);
        assertThat(c.image().topic("lost")).isEmpty();

        // The failed batch is gone from the working image: the same topic can be created.
        List<CreateTopicResult> again = await().atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                return get(c.createTopics(List.of(CreatableTopic.of("lost", 1, 1)), false));
            } catch (ExecutionException e) {
                return null;
            }
        }, r -> r != null);
        assertThat(again.get(0).status().isOk()).isTrue();
        assertThat(c.image()).isEqualTo(log.replayAll());
    }

    @Test
    void closingTheControllerFailsWritesWhoseAppendHasNotCompleted() throws Exception {
        CompletableFuture<Long> neverYet = new CompletableFuture<>();
        FlakyCoordination slow = new FlakyCoordination(new LocalCoordination(log, 1)) {
            @Override
            public CompletableFuture<Long> append(long epoch, List<MetadataRecord> records) {
                return neverYet;
            }
        };
        QuorumController c = new QuorumController(slow, ControllerConfig.DEFAULT, clock::get,
            UUID::randomUUID);
        c.start();
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(c::isActive);
        CompletableFuture<?> pending = c.registerBroker(Fixtures.registration(1, null));
        c.close();
        neverYet.complete(0L);
        assertThatThrownBy(() -> pending.get(10, TimeUnit.SECONDS))
            .cause().isInstanceOf(NotControllerException.class);
    }

    @Test
    void concurrentRequestsAllCommitAndMatchTheLog() throws Exception {
        QuorumController c = node(1);
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(c::isActive);
        liveBroker(c, 1);
        List<CompletableFuture<List<CreateTopicResult>>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(c.createTopics(List.of(CreatableTopic.of("c" + i, 1, 1)), false));
        }
        for (CompletableFuture<List<CreateTopicResult>> f : futures) {
            assertThat(get(f).get(0).status().isOk()).isTrue();
        }
        assertThat(c.image().topicsById()).hasSize(50);
        assertThat(c.image()).isEqualTo(log.replayAll());
        QuorumController.Stats stats = c.stats();
        assertThat(stats.appends()).isEqualTo(log.committed().size()).isLessThanOrEqualTo(52);
        assertThat(stats.appendedRecords()).isEqualTo(
            log.committed().stream().mapToLong(List::size).sum());
        assertThat(stats.failedAppends()).isZero();
        assertThat(stats.committedOffset()).isEqualTo(c.image().offset());
    }

    @Test
    void theControllerBalancesReplicasOntoANewBroker() throws Exception {
        QuorumController c = new QuorumController(new LocalCoordination(log, 1),
            ControllerConfig.DEFAULT.withAutoBalance(Duration.ofMillis(100), 10), clock::get,
            UUID::randomUUID);
        controllers.add(c);
        c.start();
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(c::isActive);
        liveBroker(c, 1);
        liveBroker(c, 2);
        get(c.createTopics(List.of(CreatableTopic.of("t", 4, 2)), false));
        liveBroker(c, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> c.image().topic("t").orElseThrow()
            .partitions().values().stream().anyMatch(p -> p.addingReplicas().contains(3)));
    }

    @Test
    void leadershipReturnsToThePreferredReplicaOnceItIsBack() throws Exception {
        QuorumController c = new QuorumController(new LocalCoordination(log, 1),
            ControllerConfig.DEFAULT.withAutoBalance(Duration.ofMillis(100), 10), clock::get,
            UUID::randomUUID);
        controllers.add(c);
        c.start();
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(c::isActive);
        long epoch1 = liveBroker(c, 1);
        liveBroker(c, 2);
        CreatableTopic t = new CreatableTopic("t", -1, (short) -1,
            Map.of(0, List.of(1, 2)), Map.of());
        get(c.createTopics(List.of(t), false));
        get(c.brokerHeartbeat(new BrokerHeartbeatRequest(1, epoch1, 0, true, false)));
        assertThat(c.image().topic("t").orElseThrow().partition(0).leader()).isEqualTo(2);
        get(c.brokerHeartbeat(new BrokerHeartbeatRequest(1, epoch1, c.image().offset(), false,
            false)));
        // Broker 1 must rejoin the ISR (as its leader would report) before it may lead again.
        var p = c.image().topic("t").orElseThrow().partition(0);
        get(c.alterPartitions(List.of(new AlterPartitionRequest(2,
            c.image().broker(2).orElseThrow().epoch(), c.image().topic("t").orElseThrow().id(), 0,
            p.leaderEpoch(), List.of(2, 1), p.partitionEpoch()))));
        await().atMost(Duration.ofSeconds(10))
            .until(() -> c.image().topic("t").orElseThrow().partition(0).leader() == 1);
    }

    @Test
    void aBrokerThatStopsHeartbeatingIsFencedByTheControllerTimer() throws Exception {
        QuorumController c = node(1);
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(c::isActive);
        liveBroker(c, 1);
        long epoch2 = liveBroker(c, 2);
        get(c.createTopics(List.of(CreatableTopic.of("t", 4, 2)), false));

        // The clock moves about as fast as real time (in steps below the check period): a jump
        // between two checks would look like a stall of the controller, which is forgiven.
        long start = clock.get();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            clock.addAndGet(20);
            get(c.brokerHeartbeat(new BrokerHeartbeatRequest(2, epoch2, c.image().offset(), false, false)));
            return !c.image().isLive(1);
        });
        assertThat(clock.get() - start).as("fenced after its session").isGreaterThan(SESSION.toMillis());
        assertThat(c.image().isLive(2)).isTrue();
        assertThat(c.image().topic("t").orElseThrow().partitions().values())
            .allSatisfy(p -> assertThat(p.leader()).isEqualTo(2));
    }
    @Test
    void livenessChangesLargerThanOneBatchCommitInSeveralBatches() throws Exception {
        // Six records a batch (so three partitions a topic); twelve partitions on both brokers. Fencing or unfencing a broker
        // changes every partition, more than a batch: refused before, never committed, and a
        // whole cluster restarted with more partitions than a batch never got leaders again.
        int max = 6;
        QuorumController c = new QuorumController(new LocalCoordination(log, 1),
            new ControllerConfig(SESSION, 1, (short) 1, 1000, max, 10_000), clock::get, UUID::randomUUID);
        controllers.add(c);
        c.start();
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(c::isActive);
        long epoch1 = liveBroker(c, 1);
        long epoch2 = liveBroker(c, 2);
        for (String t : TOPICS) {
            assertThat(get(c.createTopics(List.of(CreatableTopic.of(t, 3, 2)), false)))
                .allSatisfy(r -> assertThat(r.status().isOk()).isTrue());
        }

        BrokerHeartbeatReply down1 = get(c.brokerHeartbeat(
            new BrokerHeartbeatRequest(1, epoch1, c.image().offset(), false, true)));
        assertThat(down1.shouldShutDown()).isTrue();
        assertThat(c.image().isLive(1)).isFalse();
        get(c.brokerHeartbeat(new BrokerHeartbeatRequest(2, epoch2, c.image().offset(), false, true)));
        assertThat(c.image().isLive(2)).isFalse();
        assertThat(partitions(c)).allSatisfy(p -> assertThat(p.leader()).isEqualTo(-1));

        // Broker 2 comes back: its unfencing elects it leader of all twelve partitions.
        liveBroker(c, 2);
        assertThat(partitions(c)).hasSize(12).allSatisfy(p -> assertThat(p.leader()).isEqualTo(2));
        assertThat(log.committed()).allSatisfy(batch -> assertThat(batch.size()).isLessThanOrEqualTo(max));
        assertThat(log.replayAll().topic("a")).isEqualTo(c.image().topic("a"));
    }

    /** Lets {@code passing} more appends through, then fails one as a lost leadership would. */
    private static final class FailLater extends FlakyCoordination {
        final java.util.concurrent.atomic.AtomicInteger passing = new java.util.concurrent.atomic.AtomicInteger(-1);

        FailLater(LocalCoordination delegate) {
            super(delegate);
        }

        @Override
        public CompletableFuture<Long> append(long epoch, List<MetadataRecord> records) {
            if (passing.getAndDecrement() == 0) {
                return CompletableFuture.failedFuture(new NotControllerException("injected", Optional.empty()));
            }
            return super.append(epoch, records);
        }
    }

    private QuorumController smallBatchController(Coordination coordination, int max) throws Exception {
        QuorumController c = new QuorumController(coordination,
            new ControllerConfig(SESSION, 1, (short) 1, 1000, max, 10_000), clock::get, UUID::randomUUID);
        controllers.add(c);
        c.start();
        log.elect(1);
        await().atMost(Duration.ofSeconds(10)).until(c::isActive);
        return c;
    }

    @Test
    void aShutdownFencingCutShortBetweenBatchesLeavesTheBrokerUnfencedAndARetryFinishesIt() throws Exception {
        FailLater flaky = new FailLater(new LocalCoordination(log, 1));
        QuorumController c = smallBatchController(flaky, 6);
        long epoch1 = liveBroker(c, 1);
        liveBroker(c, 2);
        for (String t : TOPICS) {
            get(c.createTopics(List.of(CreatableTopic.of(t, 3, 2)), false));
        }

        flaky.passing.set(1); // the first batch of the fencing commits, the second fails
        assertThatThrownBy(() -> get(c.brokerHeartbeat(
            new BrokerHeartbeatRequest(1, epoch1, c.image().offset(), false, true))))
            .cause().isInstanceOf(NotControllerException.class);
        assertThat(c.image().isLive(1)).as("the fence record comes last").isTrue();

        BrokerHeartbeatReply retry = await().atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                return get(c.brokerHeartbeat(new BrokerHeartbeatRequest(1, epoch1, c.image().offset(), false, true)));
            } catch (ExecutionException e) {
                return null; // still resyncing
            }
        }, r -> r != null);
        assertThat(retry.shouldShutDown()).isTrue();
        assertThat(c.image().isLive(1)).isFalse();
        assertThat(partitions(c)).allSatisfy(p -> {
            assertThat(p.leader()).isEqualTo(2);
            assertThat(p.isr()).containsExactly(2);
        });
    }

    @Test
    void anUnfencingCutShortBetweenBatchesIsCompletedByTheResyncedController() throws Exception {
        FailLater flaky = new FailLater(new LocalCoordination(log, 1));
        QuorumController c = smallBatchController(flaky, 6);
        long epoch1 = liveBroker(c, 1);
        long epoch2 = liveBroker(c, 2);
        for (String t : TOPICS) {
            get(c.createTopics(List.of(CreatableTopic.of(t, 3, 2)), false));
        }
        get(c.brokerHeartbeat(new BrokerHeartbeatRequest(1, epoch1, c.image().offset(), false, true)));
        get(c.brokerHeartbeat(new BrokerHeartbeatRequest(2, epoch2, c.image().offset(), false, true)));
        assertThat(partitions(c)).allSatisfy(p -> assertThat(p.leader()).isEqualTo(-1));

        long epoch = get(c.registerBroker(Fixtures.registration(2, null))).brokerEpoch();
        flaky.passing.set(1); // the unfence record and the first elections commit, the rest fail
        assertThatThrownBy(() -> get(c.brokerHeartbeat(
            new BrokerHeartbeatRequest(2, epoch, c.image().offset(), false, false))))
            .cause().isInstanceOf(NotControllerException.class);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(c.image().isLive(2)).isTrue();
            assertThat(partitions(c)).hasSize(12).allSatisfy(p -> assertThat(p.leader()).isEqualTo(2));
        });
        assertThat(c.image()).isEqualTo(log.replayAll());
    }

    private static final List<String> TOPICS = List.of("a", "b", "c", "d");

    private static List<PartitionRegistration> partitions(QuorumController c) {
        List<PartitionRegistration> all = new ArrayList<>();
        for (String t : TOPICS) {
            all.addAll(c.image().topic(t).orElseThrow().partitions().values());
        }
        return all;
    }
}
