package io.weir.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.coordination.LocalCoordination;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreatePartitionsRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Three controllers share one log while leadership moves at random between them in the middle
 * of a stream of requests. Whatever was in flight, every node ends with the image a fresh
 * replay of the log gives, and that image keeps the partition invariants. A failure reports
 * the seed, which reproduces the request stream (thread interleavings may still differ).
 */
class ControllerFailoverSimulationTest {

    @Property(tries = 15)
    void leadershipChangesNeverCorruptTheImage(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        LocalCoordination.Log log = new LocalCoordination.Log();
        AtomicLong clock = new AtomicLong();
        List<QuorumController> nodes = new ArrayList<>();
        try {
            for (int id = 1; id <= 3; id++) {
                QuorumController c = new QuorumController(new LocalCoordination(log, id),
                    ControllerConfig.DEFAULT, clock::get, () -> new UUID(random.nextLong(), 7));
                nodes.add(c);
                c.start();
            }
            log.elect(1);
            List<CompletableFuture<?>> requests = new ArrayList<>();
            for (int step = 0; step < 150; step++) {
                int roll = random.nextInt(20);
                if (roll == 0) {
                    log.elect(1 + random.nextInt(3));
                    continue;
                }
                QuorumController c = nodes.get(random.nextInt(3));
                String topic = "t" + random.nextInt(6);
                int broker = 1 + random.nextInt(4);
                requests.add(switch (roll % 5) {
                    case 0 -> c.registerBroker(new BrokerRegistrationRequest(broker,
                        new UUID(broker, 0), List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1",
                            9000 + broker, null)), null));
                    case 1 -> c.brokerHeartbeat(new BrokerHeartbeatRequest(broker,
                        c.image().broker(broker).map(b -> b.epoch()).orElse(-1L), c.image().offset(),
                        random.nextInt(4) == 0, false));
                    case 2 -> c.createTopics(List.of(CreatableTopic.of(topic,
                        1 + random.nextInt(3), 1 + random.nextInt(2))), false);
                    case 3 -> c.deleteTopics(List.of(topic));
                    default -> c.createPartitions(List.of(
                        new CreatePartitionsRequest(topic, 2 + random.nextInt(3), null)), false);
                });
            }
            for (CompletableFuture<?> f : requests) {
                try {
                    f.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException expected) {
                    // NOT_CONTROLLER while leadership moved: the request did not happen.
                }
            }
            MetadataImage replayed = log.replayAll();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                nodes.stream().allMatch(n -> n.image().offset() == replayed.offset()));
            for (QuorumController n : nodes) {
                assertThat(n.image()).as("seed %d", seed).isEqualTo(replayed);
            }
            for (var t : replayed.topicsById().values()) {
                for (PartitionRegistration p : t.partitions().values()) {
                    assertThat(p.replicas()).as("seed %d", seed).containsAll(p.isr());
                    if (p.hasLeader()) {
                        assertThat(p.isr()).as("seed %d", seed).contains(p.leader());
                        assertThat(replayed.isLive(p.leader())).as("seed %d", seed).isTrue();
                    }
                }
            }
        } finally {
            nodes.forEach(QuorumController::close);
        }
    }
}
