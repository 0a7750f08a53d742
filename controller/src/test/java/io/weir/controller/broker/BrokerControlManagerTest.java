package io.weir.controller.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.ApiError;
import io.weir.controller.Fixtures;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.ControllerResult;
import io.weir.controller.record.PartitionChangeRecord;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BrokerControlManagerTest {
    private final Fixtures f = new Fixtures();

    @Test
    void aBrokerRegistersFencedAndAHeartbeatUnfencesIt() {
        BrokerRegistrationReply reply =
            f.apply(f.brokers.register(f.image, Fixtures.registration(1, null), 0));
        assertThat(reply.status().isOk()).isTrue();
        assertThat(f.image.broker(1).orElseThrow().fenced()).isTrue();

        BrokerHeartbeatReply hb = f.apply(f.brokers.heartbeat(f.image,
            new BrokerHeartbeatRequest(1, reply.brokerEpoch(), 0, false, false), 10));
        assertThat(hb.isFenced()).isFalse();
        assertThat(f.image.isLive(1)).isTrue();
    }

    @Test
    void heartbeatsWithAStaleEpochOrUnknownIdAreRejected() {
        long epoch = f.addLiveBroker(1, null);
        BrokerHeartbeatReply stale = f.apply(f.brokers.heartbeat(f.image,
            new BrokerHeartbeatRequest(1, epoch - 1, 0, false, false), 0));
        assertThat(stale.status().error()).isEqualTo(ApiError.STALE_BROKER_EPOCH);
        BrokerHeartbeatReply unknown = f.apply(f.brokers.heartbeat(f.image,
            new BrokerHeartbeatRequest(7, epoch, 0, false, false), 0));
        assertThat(unknown.status().error()).isEqualTo(ApiError.BROKER_ID_NOT_REGISTERED);
    }

    @Test
    void aSecondLiveBrokerWithTheSameIdIsADuplicateButARestartGetsANewerEpoch() {
        long first = f.addLiveBroker(1, null);
        BrokerRegistrationRequest other = new BrokerRegistrationRequest(1, UUID.randomUUID(),
            Fixtures.registration(1, null).endpoints(), null);
        assertThat(f.apply(f.brokers.register(f.image, other, 10)).status().error())
            .isEqualTo(ApiError.DUPLICATE_BROKER_REGISTRATION);

        // Same incarnation re-registering (e.g. it lost its epoch) is a restart.
        BrokerRegistrationReply again =
            f.apply(f.brokers.register(f.image, Fixtures.registration(1, null), 20));
        assertThat(again.status().isOk()).isTrue();
        assertThat(again.brokerEpoch()).isGreaterThan(first);

        // After the session expired a new incarnation may take the id.
        BrokerRegistrationReply late = f.apply(f.brokers.register(f.image, other, 5000));
        assertThat(late.status().isOk()).isTrue();
    }

    @Test
    void aBrokerThatMissesHeartbeatsIsFencedAndItsLeadershipMoves() {
        f.addLiveBroker(1, null);
        long epoch2 = f.addLiveBroker(2, null);
        f.addLiveBroker(3, null);
        f.createTopic("t", 6, 3);
        // Brokers 2 and 3 keep heartbeating; broker 1 goes silent.
        f.nowMs = 900;
        f.apply(f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(2, epoch2, 0, false, false),
            f.nowMs));
        f.apply(f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(3,
            f.image.broker(3).orElseThrow().epoch(), 0, false, false), f.nowMs));
        assertThat(f.apply(f.brokers.fenceExpired(f.image, 1000))).isEmpty();

        assertThat(f.apply(f.brokers.fenceExpired(f.image, 1500))).containsExactly(1);
        assertThat(f.image.isLive(1)).isFalse();
        for (PartitionRegistration p : f.image.topic("t").orElseThrow().partitions().values()) {
            assertThat(p.leader()).isNotEqualTo(1).isIn(2, 3);
            assertThat(p.isr()).doesNotContain(1);
        }
    }

    @Test
    void aBrokerWithMorePartitionsThanOneBatchHoldsIsFencedOverSeveralPasses() {
        f.addLiveBroker(1, null);
        long epoch2 = f.addLiveBroker(2, null);
        f.createTopic("t", 12, 2);
        f.nowMs = 900;
        f.apply(f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(2, epoch2, 0, false, false), f.nowMs));
        long onBroker1 = f.image.topic("t").orElseThrow().partitions().values().stream()
            .filter(p -> p.leader() == 1 || p.isr().contains(1)).count();
        assertThat(onBroker1).isEqualTo(12);

        int passes = 0;
        List<Integer> fenced = List.of();
        while (fenced.isEmpty()) {
            ControllerResult<List<Integer>> pass = f.brokers.fenceExpired(f.image, 1500, 5);
            assertThat(pass.records()).as("pass %d", passes).hasSizeLessThanOrEqualTo(5).isNotEmpty();
            if (passes == 0) {
                // Broker 1 led six partitions: the first pass moves leaderships before shrinking ISRs.
                assertThat(pass.records()).allSatisfy(r ->
                    assertThat(((PartitionChangeRecord) r).leader()).isEqualTo(2));
            }
            fenced = f.apply(pass);
            passes++;
            assertThat(passes).as("converges").isLessThan(10);
        }

        assertThat(fenced).containsExactly(1);
        assertThat(passes).isGreaterThan(1);
        assertThat(f.image.isLive(1)).isFalse();
        assertThat(f.image.topic("t").orElseThrow().partitions().values()).allSatisfy(p -> {
            assertThat(p.leader()).isEqualTo(2);
            assertThat(p.isr()).containsExactly(2);
        });
        assertThat(f.brokers.fenceExpired(f.image, 1600, 5).records()).as("nothing left to do").isEmpty();
    }

    @Test
    void controlledShutdownFencesTheBrokerAndTellsItToStop() {
        long epoch = f.addLiveBroker(1, null);
        f.addLiveBroker(2, null);
        f.createTopic("t", 2, 2);
        BrokerHeartbeatReply reply = f.apply(f.brokers.heartbeat(f.image,
            new BrokerHeartbeatRequest(1, epoch, 0, false, true), 0));
        assertThat(reply.shouldShutDown()).isTrue();
        assertThat(f.image.isLive(1)).isFalse();
        assertThat(f.image.topic("t").orElseThrow().partitions().values())
            .allSatisfy(p -> assertThat(p.leader()).isEqualTo(2));
    }

    @Test
    void theLastIsrMemberStaysInTheIsrAndLeadsAgainWhenUnfenced() {
        long epoch = f.addLiveBroker(1, null);
        f.createTopic("solo", 1, 1);
        f.apply(f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(1, epoch, 0, true, false), 0));
        PartitionRegistration fenced = f.image.topic("solo").orElseThrow().partition(0);
        assertThat(fenced.leader()).isEqualTo(-1);
        assertThat(fenced.isr()).containsExactly(1);

        f.apply(f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(1, epoch, 0, false, false), 0));
        PartitionRegistration back = f.image.topic("solo").orElseThrow().partition(0);
        assertThat(back.leader()).isEqualTo(1);
        assertThat(back.leaderEpoch()).isEqualTo(fenced.leaderEpoch() + 1);
    }

    @Test
    void unregisteringALiveBrokerFencesItFirstAndRemovesIt() {
        f.addLiveBroker(1, null);
        f.addLiveBroker(2, null);
        f.createTopic("t", 2, 2);
        assertThat(f.apply(f.brokers.unregister(f.image, 1)).isOk()).isTrue();
        assertThat(f.image.broker(1)).isEmpty();
        assertThat(f.image.topic("t").orElseThrow().partitions().values())
            .allSatisfy(p -> assertThat(p.leader()).isEqualTo(2));
        assertThat(f.apply(f.brokers.unregister(f.image, 1)).error())
            .isEqualTo(ApiError.BROKER_ID_NOT_REGISTERED);
    }

    @Test
    void aBrokerThatUnregistersAndReturnsNeverReusesAnEpoch() {
        // Like the controller's working image: decisions that are not committed yet do not
        // advance the offset.
        var first = f.brokers.register(f.image, Fixtures.registration(1, null), 0);
        f.image = f.image.apply(f.image.offset(), first.records());
        var gone = f.brokers.unregister(f.image, 1);
        f.image = f.image.apply(f.image.offset(), gone.records());
        var back = f.brokers.register(f.image, Fixtures.registration(1, null), 0);
        assertThat(back.response().brokerEpoch()).isGreaterThan(first.response().brokerEpoch());
    }

    @Test
    void aBrokerIsUnfencedOnlyOnceItHasReplayedItsRegistration() {
        BrokerRegistrationReply reply =
            f.apply(f.brokers.register(f.image, Fixtures.registration(1, null), 0));
        f.brokers.heartbeats().registrationCommitted(1, f.image.offset());
        BrokerHeartbeatReply behind = f.apply(f.brokers.heartbeat(f.image,
            new BrokerHeartbeatRequest(1, reply.brokerEpoch(), f.image.offset() - 1, false, false), 0));
        assertThat(behind.isCaughtUp()).isFalse();
        assertThat(behind.isFenced()).isTrue();
        assertThat(f.image.isLive(1)).isFalse();
        BrokerHeartbeatReply caughtUp = f.apply(f.brokers.heartbeat(f.image,
            new BrokerHeartbeatRequest(1, reply.brokerEpoch(), f.image.offset(), false, false), 0));
        assertThat(caughtUp.isCaughtUp()).isTrue();
        assertThat(f.image.isLive(1)).isTrue();
    }
}
