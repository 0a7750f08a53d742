package io.weir.metadata.quorum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.weir.controller.ApiError;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.coordination.NotControllerException;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.TopicRecord;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreateTopicResult;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RatisQuorumTest {
    @TempDir
    Path dir;

    private static void liveBroker(QuorumCluster cluster, int id) throws Exception {
        BrokerRegistrationReply r = cluster.write(c -> c.registerBroker(new BrokerRegistrationRequest(
            id, new UUID(id, id), List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092, null)),
            null)));
        assertThat(r.status().isOk()).isTrue();
        cluster.write(c -> c.brokerHeartbeat(new BrokerHeartbeatRequest(id, r.brokerEpoch(),
            c.image().offset(), false, false)));
    }

    private static void createTopic(QuorumCluster cluster, String name) throws Exception {
        List<CreateTopicResult> r = cluster.write(c -> c.createTopics(
            List.of(CreatableTopic.of(name, 2, 1)), false));
        assertThat(r.get(0).status().error()).isIn(ApiError.NONE, ApiError.TOPIC_ALREADY_EXISTS);
    }

    @Test
    void threeVotersElectAControllerThatSurvivesLosingItsLeader() throws Exception {
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).startAll()) {
            int first = cluster.awaitActive();
            liveBroker(cluster, 1);
            for (int i = 0; i < 5; i++) {
                createTopic(cluster, "before-" + i);
            }
            long committedBefore = cluster.node(first).controller().image().offset();

            cluster.crash(first);
            int second = cluster.awaitActive();
            assertThat(second).isNotEqualTo(first);
            assertThat(cluster.node(second).controller().activeEpoch()).isGreaterThan(0);
            createTopic(cluster, "after");

            cluster.awaitConverged();
            for (QuorumCluster.Node n : cluster.running().values()) {
                MetadataImage image = n.controller().image();
                assertThat(image.offset()).isGreaterThan(committedBefore);
                for (int i = 0; i < 5; i++) {
                    assertThat(image.topic("before-" + i)).as("node %s", n.coordination().nodeId())
                        .isPresent();
                }
                assertThat(image.topic("after")).isPresent();
                assertThat(image).isEqualTo(n.coordination().stateMachineImage());
            }
            assertThat(cluster.node(second).controller().activeController().orElseThrow().nodeId())
                .isEqualTo(second);
        }
    }

    @Test
    void aGracefullyClosedLeaderHandsOffWithoutAnElection() throws Exception {
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).startAll()) {
            int first = cluster.awaitActive();
            long epoch = cluster.node(first).controller().activeEpoch();
            liveBroker(cluster, 1);
            cluster.stop(first);
            int second = cluster.awaitActive();
            assertThat(second).isNotEqualTo(first);
            assertThat(cluster.node(second).controller().activeEpoch()).isGreaterThan(epoch);
            createTopic(cluster, "after-hand-off");
            assertThat(cluster.node(second).controller().image().topic("after-hand-off")).isPresent();
        }
    }

    @Test
    void aRestartedVoterCatchesUpFromItsDirectory() throws Exception {
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).startAll()) {
            int leader = cluster.awaitActive();
            liveBroker(cluster, 1);
            createTopic(cluster, "a");
            cluster.awaitConverged();
            int follower = cluster.anyFollower(leader);
            cluster.stop(follower);
            createTopic(cluster, "b");
            createTopic(cluster, "c");

            cluster.start(follower);
            cluster.awaitConverged();
            MetadataImage restarted = cluster.node(follower).controller().image();
            assertThat(restarted.topic("a")).isPresent();
            assertThat(restarted.topic("c")).isPresent();
            int active = cluster.awaitActive();
            assertThat(restarted).isEqualTo(cluster.node(active).controller().image());
        }
    }

    @Test
    void aListenerLearnsTheMetadataButNeverLeads() throws Exception {
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 1, 10_000).startAll()) {
            cluster.awaitActive();
            liveBroker(cluster, 1);
            createTopic(cluster, "seen-by-listener");
            cluster.awaitConverged();
            QuorumCluster.Node listener = cluster.node(4);
            assertThat(listener.controller().image().topic("seen-by-listener")).isPresent();
            assertThat(listener.controller().isActive()).isFalse();
            assertThat(listener.coordination().activeController()).isPresent();
        }
    }

    @Test
    void aBrokerAddedToARunningClusterJoinsAsAListener() throws Exception {
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).startAll()) {
            cluster.awaitActive();
            liveBroker(cluster, 1);
            createTopic(cluster, "before-join");
            QuorumCluster.Node added = cluster.startUnannouncedListener(7);
            createTopic(cluster, "after-join");
            cluster.awaitConverged();
            assertThat(added.controller().image().topic("before-join")).isPresent();
            assertThat(added.controller().image().topic("after-join")).isPresent();
            assertThat(added.controller().isActive()).isFalse();

            // Decommissioned: it leaves the Raft configuration.
            RatisCoordination voter = cluster.node(1).coordination();
            await().atMost(QuorumCluster.AWAIT).until(() -> voter.listenerIds().contains(7));
            voter.removeListener(7).get(30, TimeUnit.SECONDS);
            await().atMost(QuorumCluster.AWAIT).until(() -> !voter.listenerIds().contains(7));
            cluster.crash(7);
            createTopic(cluster, "after-leave");
        }
    }

    @Test
    void addedBrokersDoNotDropEachOtherFromTheQuorum() throws Exception {
        // Issue 16: `cluster add-node` twice. Ratis 3.2's ADD mode kept only the request's listeners.
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).startAll()) {
            int active = cluster.awaitActive();
            liveBroker(cluster, 1);
            RatisCoordination leader = cluster.node(active).coordination();
            QuorumCluster.Node first = cluster.startUnannouncedListener(7);
            await().atMost(QuorumCluster.AWAIT).until(() -> leader.listenerIds().contains(7));
            // Then two at once: their compare-and-sets race, the loser reads again and retries.
            QuorumCluster.Node second = cluster.startUnannouncedListener(8);
            QuorumCluster.Node third = cluster.startUnannouncedListener(9);
            await().atMost(QuorumCluster.AWAIT).until(() -> leader.listenerIds().equals(List.of(7, 8, 9)));
            assertThat(leader.voterIds()).containsExactly(1, 2, 3);

            createTopic(cluster, "after-all-joined");
            cluster.awaitConverged();
            for (QuorumCluster.Node added : List.of(first, second, third)) {
                assertThat(added.controller().image().topic("after-all-joined")).isPresent();
            }

            // Removing one while another joins keeps the others and the joiner.
            cluster.startUnannouncedListener(10);
            leader.removeListener(7).get(60, TimeUnit.SECONDS);
            await().atMost(QuorumCluster.AWAIT).until(() -> leader.listenerIds().equals(List.of(8, 9, 10)));
        }
    }

    @Test
    void aListenerThatJoinsAfterTheLogWasPurgedGetsASnapshot() throws Exception {
        // Small segments and frequent snapshots, so the log is purged before node 4 starts.
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 1, 5).logSegmentBytes(16 * 1024)) {
            for (int id = 1; id <= 3; id++) {
                cluster.start(id);
            }
            cluster.awaitActive();
            liveBroker(cluster, 1);
            for (int batch = 0; batch < 20; batch++) {
                List<CreatableTopic> topics = new java.util.ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    topics.add(CreatableTopic.of("early-" + batch + "-" + i, 2, 1));
                }
                cluster.write(c -> c.createTopics(topics, false));
            }
            cluster.awaitConverged();
            QuorumCluster.Node late = cluster.start(4);
            cluster.awaitConverged();
            MetadataImage image = late.controller().image();
            assertThat(image.topicsById()).hasSize(200);
            assertThat(image).isEqualTo(cluster.node(cluster.awaitActive()).controller().image());
        }
    }

    @Test
    void appendsAtAnotherEpochOrOnAFollowerAreRejected() throws Exception {
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).startAll()) {
            int leader = cluster.awaitActive();
            RatisCoordination coordination = cluster.node(leader).coordination();
            long epoch = cluster.node(leader).controller().activeEpoch();
            List<MetadataRecord> records =
                List.of(new TopicRecord("sneaky", UUID.randomUUID()));

            for (long wrong : List.of(epoch - 1, epoch + 1)) {
                assertThatThrownBy(() -> coordination.append(wrong, records).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(NotControllerException.class);
            }
            RatisCoordination follower = cluster.node(cluster.anyFollower(leader)).coordination();
            await().atMost(QuorumCluster.AWAIT).until(() -> follower.activeController().isPresent());
            assertThatThrownBy(() -> follower.append(epoch, records).get(20, TimeUnit.SECONDS))
                .cause().isInstanceOf(NotControllerException.class)
                .satisfies(e -> assertThat(((NotControllerException) e).knownController()
                    .orElseThrow().nodeId()).isEqualTo(leader));

            long offset = coordination.append(epoch, records).get(20, TimeUnit.SECONDS);
            await().atMost(QuorumCluster.AWAIT).until(() ->
                cluster.node(leader).controller().image().offset() >= offset);
            assertThat(cluster.node(leader).controller().image().topic("sneaky")).isPresent();
        }
    }
}
