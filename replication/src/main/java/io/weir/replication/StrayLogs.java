package io.weir.replication;

import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;

/**
 * Which local logs no longer belong on this node: the logs of topics deleted, or of replicas
 * reassigned away, while the node was down, which no metadata change it sees afterwards deletes
 * (Kafka's stray logs, {@code LogManager.isStrayKraftReplica}). A log is stray when the topic id
 * it was created for is not in the image, or when its partition's replicas (which include the
 * ones an ongoing reassignment is adding or removing) do not contain this node. A log whose topic
 * was deleted and recreated under the same name belongs to the old id, so it is stray (where this
 * node is a replica of the new topic, the reconciliation has already replaced it with the new
 * topic's log, which is then hosted, not stray). A log with no recorded topic id (its directory was made before the id file was
 * written, or by a version without it) is adopted by the topic of its name, as the reconciliation
 * does, and is stray only when no such topic has this node among the partition's replicas.
 *
 * <p>Only an image that contains this node's current registration may decide: it holds every
 * change committed before the node registered, so every topic deletion and reassignment that
 * happened while it was down. An empty image (nothing replayed yet), an image replayed from an
 * old snapshot, or one from before this incarnation registered decides nothing: see
 * {@link #isCurrent}. Pure: {@link StrayLogCleaner} carries the decision out once.
 */
final class StrayLogs {

    enum Reason { NOT_IN_IMAGE, NOT_A_REPLICA }

    /** A log to delete, with the topic id it was created for (null when none was recorded). */
    record Stray(TopicPartition partition, UUID topicId, Reason reason) {
    }

    private StrayLogs() {
    }

    /**
     * Whether {@code image} may decide which logs are stray: it shows {@code nodeId} registered
     * with {@code brokerEpoch} (this incarnation's, from its registration reply) or a later epoch.
     * Broker epochs only grow, so an image replayed from before this registration never passes.
     */
    static boolean isCurrent(MetadataImage image, int nodeId, long brokerEpoch) {
        if (brokerEpoch < 0) return false;
        Optional<BrokerRegistration> self = image.broker(nodeId);
        return self.isPresent() && self.get().epoch() >= brokerEpoch;
    }

    /**
     * The stray logs among {@code localLogs}, or none when the image is not {@link #isCurrent}.
     *
     * @param owners which topic id each local log was created for (logs absent here have none recorded)
     */
    static List<Stray> find(MetadataImage image, int nodeId, long brokerEpoch, Collection<TopicPartition> localLogs,
                            Map<TopicPartition, UUID> owners) {
        if (!isCurrent(image, nodeId, brokerEpoch)) return List.of();
        List<Stray> strays = new ArrayList<>();
        for (TopicPartition tp : localLogs) {
            UUID owner = owners.get(tp);
            Optional<TopicImage> topic = owner != null ? image.topic(owner) : image.topic(tp.topic());
            if (topic.isEmpty() || !topic.get().name().equals(tp.topic())) {
                strays.add(new Stray(tp, owner, Reason.NOT_IN_IMAGE));
                continue;
            }
            PartitionRegistration partition = topic.get().partition(tp.partition());
            if (partition == null) {
                strays.add(new Stray(tp, owner, Reason.NOT_IN_IMAGE));
            } else if (!partition.replicas().contains(nodeId)) {
                strays.add(new Stray(tp, owner, Reason.NOT_A_REPLICA));
            }
        }
        return strays;
    }
}
