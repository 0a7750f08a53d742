package io.weir.metadata.quorum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.controller.ApiError;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.coordination.StoredMetadata;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreateTopicResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stopped quorum's storage read offline holds everything it committed (snapshot plus log
 * tail); storages seeded with it start a quorum that continues above its offset.
 */
class RatisMetadataStoreTest {
    @TempDir
    Path dir;

    private static void createTopic(QuorumCluster cluster, String name) throws Exception {
        List<CreateTopicResult> r = cluster.write(c -> c.createTopics(List.of(CreatableTopic.of(name, 2, 1)), false));
        assertThat(r.get(0).status().error()).isEqualTo(ApiError.NONE);
    }

    @Test
    void aStoppedQuorumsMetadataSeedsANewQuorumThatContinuesAboveIt() throws Exception {
        MetadataImage committed;
        // A snapshot every 5 entries: the read needs the snapshot and the log after it.
        try (QuorumCluster source = new QuorumCluster(dir.resolve("source"), 3, 0, 5).startAll()) {
            source.awaitActive();
            BrokerRegistrationReply reg = source.write(c -> c.registerBroker(new BrokerRegistrationRequest(1,
                new UUID(1, 1), List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092, null)), null)));
            source.write(c -> c.brokerHeartbeat(new BrokerHeartbeatRequest(1, reg.brokerEpoch(),
                c.image().offset(), false, false)));
            for (int i = 0; i < 8; i++) {
                createTopic(source, "t" + i);
            }
            source.awaitConverged();
            committed = source.node(source.awaitActive()).controller().image();
        }

        StoredMetadata best = null;
        for (int id = 1; id <= 3; id++) {
            Optional<StoredMetadata> read = new RatisMetadataStore(dir.resolve("source").resolve("node-" + id), "weir")
                .read();
            assertThat(read).isPresent();
            if (best == null || read.get().image().offset() > best.image().offset()) best = read.get();
        }
        assertThat(best.image()).isEqualTo(committed);
        assertThat(best.controllerEpoch()).isPositive();

        QuorumCluster target = new QuorumCluster(dir.resolve("target"), 3, 0, 10_000);
        for (int id = 1; id <= 3; id++) {
            new RatisMetadataStore(dir.resolve("target").resolve("node-" + id), "weir").seed(best);
        }
        StoredMetadata seeded = best;
        assertThatThrownBy(() -> new RatisMetadataStore(dir.resolve("target").resolve("node-1"), "weir").seed(seeded))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("already holds Ratis metadata");
        try (QuorumCluster started = target.startAll()) {
            int active = started.awaitActive();
            assertThat(started.node(active).controller().image().topic("t7")).isPresent();
            createTopic(started, "after");
            started.awaitConverged();
            for (QuorumCluster.Node n : started.running().values()) {
                MetadataImage image = n.controller().image();
                assertThat(image.offset()).isGreaterThan(committed.offset());
                assertThat(image.topic("t0")).isPresent();
                assertThat(image.topic("after")).isPresent();
                assertThat(image.topic("t0").get().id()).isEqualTo(committed.topic("t0").get().id());
                assertThat(image.brokers().get(1).epoch()).isEqualTo(committed.brokers().get(1).epoch());
            }
        }
    }
}
