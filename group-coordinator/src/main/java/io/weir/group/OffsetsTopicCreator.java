package io.weir.group;

import io.weir.controller.QuorumController;
import io.weir.controller.config.TopicConfigs;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.topic.CreatableTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Creates {@value OffsetsTopic#NAME} from the active controller's node once enough brokers are
 * live for its replication factor (Kafka's {@code offsets.topic.replication.factor}), so a
 * cluster's first group does not settle for fewer replicas than the cluster will have.
 * The topic is compacted, as Kafka's ({@code cleanup.policy=compact}): the log cleaner keeps each
 * group's latest offset per partition and drops the tombstones OffsetDelete and DeleteGroups write.
 * Kafka expires the offsets of an empty group after {@code offsets.retention.minutes} (7 days)
 * with tombstones; the coordinator does not do that yet, so the topic also keeps delete retention
 * of 7 days ({@code compact,delete}), as before compaction existed: offsets not committed again
 * for 7 days age out with their roll file.
 */
public final class OffsetsTopicCreator implements Consumer<MetadataImage> {
    private static final Logger log = LoggerFactory.getLogger(OffsetsTopicCreator.class);
    private static final long RETENTION_MS = 7L * 24 * 60 * 60 * 1000;

    private final QuorumController controller;
    private final int partitions;
    private final short replicationFactor;
    private final AtomicBoolean inFlight = new AtomicBoolean();

    public OffsetsTopicCreator(QuorumController controller, int partitions, short replicationFactor) {
        this.controller = controller;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
    }

    /** Called with each committed image (on the controller thread): must not block. */
    @Override
    public void accept(MetadataImage image) {
        if (!controller.isActive() || image.topic(OffsetsTopic.NAME).isPresent()) return;
        if (image.liveBrokers().size() < replicationFactor || !inFlight.compareAndSet(false, true)) return;
        controller.createTopics(List.of(new CreatableTopic(OffsetsTopic.NAME, partitions, replicationFactor, Map.of(),
                        Map.of(TopicConfigs.CLEANUP_POLICY, "compact,delete",
                                TopicConfigs.RETENTION_MS, Long.toString(RETENTION_MS)))), false)
                .whenComplete((results, error) -> {
                    inFlight.set(false);
                    if (error != null) log.info("Creating {} failed, retrying on the next image: {}", OffsetsTopic.NAME, error.toString());
                    else log.info("Created {}: {}", OffsetsTopic.NAME, results);
                });
    }
}
