package io.weir.metadata.quorum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.config.AlterConfigOp;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreatePartitionsRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A node restarted from its directory (latest snapshot + log tail) ends up with exactly the
 * image it had built by replaying every batch one by one.
 */
class SnapshotRestartPropertyTest {

    @Property(tries = 10)
    void snapshotPlusTailEqualsTheFullReplay(@ForAll long seed,
                                             @ForAll @IntRange(min = 2, max = 8) int snapshotEvery,
                                             @ForAll @IntRange(min = 5, max = 40) int operations)
        throws Exception {
        Path dir = Files.createTempDirectory("weir-snapshot-");
        try (QuorumCluster cluster = new QuorumCluster(dir, 1, 0, snapshotEvery).startAll()) {
            Random random = new Random(seed);
            cluster.awaitActive();
            for (int b = 1; b <= 3; b++) {
                int id = b;
                BrokerRegistrationReply r = cluster.write(c -> c.registerBroker(
                    new BrokerRegistrationRequest(id, new UUID(id, 1), List.of(
                        new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9000 + id, null)), "r" + id)));
                cluster.write(c -> c.brokerHeartbeat(new BrokerHeartbeatRequest(id,
                    r.brokerEpoch(), c.image().offset(), false, false)));
            }
            for (int i = 0; i < operations; i++) {
                String topic = "t" + random.nextInt(6);
                switch (random.nextInt(4)) {
                    case 0 -> cluster.write(c -> c.createTopics(List.of(CreatableTopic.of(topic,
                        1 + random.nextInt(3), 1 + random.nextInt(3))), false));
                    case 1 -> cluster.write(c -> c.deleteTopics(List.of(topic)));
                    case 2 -> cluster.write(c -> c.createPartitions(List.of(
                        new CreatePartitionsRequest(topic, 2 + random.nextInt(4), null)), false));
                    default -> cluster.write(c -> c.incrementalAlterConfigs(Map.of(
                        ConfigResource.topic(topic), List.of(new AlterConfigOp("retention.ms",
                            AlterConfigOp.OpType.SET, Integer.toString(random.nextInt(1000))))),
                        false));
                }
            }
            MetadataImage replayed = cluster.node(1).controller().image();
            assertThat(cluster.node(1).coordination().stateMachineImage()).isEqualTo(replayed);

            cluster.stop(1);
            assertThat(snapshotFiles(dir)).as("snapshots were taken (seed %d)", seed).isNotEmpty();
            cluster.start(1);
            await().atMost(QuorumCluster.AWAIT)
                .until(() -> cluster.node(1).controller().image().offset() >= replayed.offset());
            assertThat(cluster.node(1).controller().image()).as("seed %d", seed).isEqualTo(replayed);
            assertThat(snapshotFiles(dir).size()).isLessThanOrEqualTo(3);
        } finally {
            deleteRecursively(dir);
        }
    }

    private static List<Path> snapshotFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
                .toList();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
