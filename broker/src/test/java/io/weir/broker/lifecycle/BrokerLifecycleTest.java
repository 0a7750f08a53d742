package io.weir.broker.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.broker.metadata.MetadataView;
import io.weir.controller.ApiStatus;
import io.weir.controller.broker.BrokerHeartbeatReply;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.RegisterBrokerRecord;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BrokerLifecycleTest {
    private static final long INTERVAL_MS = 10_000;

    @Test
    void joiningCallsComeQuicklyAndBackOffOnFailuresUpToTheHeartbeatInterval() {
        assertThat(BrokerLifecycle.nextCallDelayMs(false, false, 0, INTERVAL_MS))
                .isEqualTo(BrokerLifecycle.JOINING_INTERVAL_MS);
        assertThat(BrokerLifecycle.nextCallDelayMs(true, false, 0, INTERVAL_MS))
                .isEqualTo(BrokerLifecycle.JOINING_INTERVAL_MS);
        assertThat(BrokerLifecycle.nextCallDelayMs(false, false, 2, INTERVAL_MS))
                .isEqualTo(4 * BrokerLifecycle.JOINING_INTERVAL_MS);
        assertThat(BrokerLifecycle.nextCallDelayMs(false, false, 1_000, INTERVAL_MS)).isEqualTo(INTERVAL_MS);
        assertThat(BrokerLifecycle.nextCallDelayMs(true, true, 0, INTERVAL_MS)).isEqualTo(INTERVAL_MS);
        assertThat(BrokerLifecycle.nextCallDelayMs(true, true, 3, INTERVAL_MS)).isEqualTo(INTERVAL_MS);
        assertThat(BrokerLifecycle.nextCallDelayMs(false, false, 0, 20)).isEqualTo(20);
    }

    /**
     * The controller unfences a broker on a heartbeat that shows its metadata caught up; here
     * the third. With a 10 s heartbeat interval, waiting an interval between them would take 20 s.
     */
    @Test
    void aJoiningBrokerIsUnfencedWithoutWaitingHeartbeatIntervals() {
        int nodeId = 4;
        AtomicReference<MetadataImage> image = new AtomicReference<>(MetadataImage.EMPTY);
        AtomicInteger registrations = new AtomicInteger();
        AtomicInteger heartbeats = new AtomicInteger();
        ControllerChannel controller = new ControllerChannel() {
            @Override
            public BrokerRegistrationReply register(BrokerRegistrationRequest request) throws Exception {
                // The first attempt finds no controller yet, as during a cluster's start.
                if (registrations.incrementAndGet() == 1) throw new java.io.IOException("no active controller is known");
                return new BrokerRegistrationReply(ApiStatus.OK, 7);
            }

            @Override
            public BrokerHeartbeatReply heartbeat(BrokerHeartbeatRequest request) {
                if (heartbeats.incrementAndGet() == 3) {
                    image.set(MetadataImage.EMPTY.apply(1, List.of(
                            new RegisterBrokerRecord(nodeId, 7, UUID.randomUUID(), List.of(), null, false))));
                }
                return new BrokerHeartbeatReply(ApiStatus.OK, true, heartbeats.get() < 3, false);
            }
        };
        try (BrokerLifecycle lifecycle = new BrokerLifecycle(nodeId, List.of(), null, view(image, nodeId),
                controller, INTERVAL_MS)) {
            lifecycle.start();
            await().atMost(Duration.ofSeconds(5)).until(lifecycle::isUnfenced);
            assertThat(lifecycle.brokerEpoch()).isEqualTo(7);
            assertThat(registrations.get()).isEqualTo(2);
        }
    }

    private static MetadataView view(AtomicReference<MetadataImage> image, int nodeId) {
        return new MetadataView() {
            @Override
            public MetadataImage image() {
                return image.get();
            }

            @Override
            public OptionalInt activeControllerId() {
                return OptionalInt.empty();
            }

            @Override
            public String clusterId() {
                return "test";
            }

            @Override
            public int nodeId() {
                return nodeId;
            }
        };
    }
}
