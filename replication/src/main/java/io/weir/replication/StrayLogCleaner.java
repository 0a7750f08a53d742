package io.weir.replication;

import io.weir.controller.image.MetadataImage;
import io.weir.storage.LogManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the stray logs of this node ({@link StrayLogs}) once per process, at the first metadata
 * image that contains this incarnation's registration, as Kafka's broker does at its first
 * metadata publish. Later deletions and reassignments are seen as metadata changes and handled by
 * {@link ReplicaManager} itself. A deletion is the rename of the log's directory (the commit point;
 * the files go in the background, and a restart finishes what a crash interrupted).
 *
 * <p>Not thread-safe: {@link ReplicaManager#onMetadataChange} calls it under its lock, on the
 * image it has just applied, so a log it hosts for that image is never a candidate.
 */
final class StrayLogCleaner {
    private static final Logger log = LoggerFactory.getLogger(StrayLogCleaner.class);

    private final int nodeId;
    private final LogManager logs;
    private final LongSupplier brokerEpoch;
    private boolean done;

    StrayLogCleaner(int nodeId, LogManager logs, LongSupplier brokerEpoch) {
        this.nodeId = nodeId;
        this.logs = logs;
        this.brokerEpoch = brokerEpoch;
    }

    /**
     * Deletes the stray logs if {@code image} is the first current one (see {@link StrayLogs#isCurrent});
     * otherwise does nothing.
     *
     * @param hosted the partitions the caller hosts for {@code image}, never deleted here
     * @param owners which topic id each local log was created for
     * @return the partitions whose logs were deleted
     */
    List<TopicPartition> deleteOnce(MetadataImage image, Set<TopicPartition> hosted, Map<TopicPartition, UUID> owners) {
        long epoch = brokerEpoch.getAsLong();
        if (done || !StrayLogs.isCurrent(image, nodeId, epoch)) return List.of();
        done = true;
        List<TopicPartition> local = new ArrayList<>(logs.partitions());
        local.removeAll(hosted);
        List<TopicPartition> deleted = new ArrayList<>();
        for (StrayLogs.Stray stray : StrayLogs.find(image, nodeId, epoch, local, owners)) {
            TopicPartition tp = stray.partition();
            try {
                log.info("Deleting the stray log of {} (topic id {}): {} at metadata offset {}", tp,
                        stray.topicId() == null ? "not recorded" : stray.topicId(), describe(stray.reason()),
                        image.offset());
                logs.delete(tp);
                deleted.add(tp);
            } catch (RuntimeException e) {
                log.error("Could not delete the stray log of {}; it stays on disk until the next start", tp, e);
            }
        }
        if (!deleted.isEmpty()) log.info("Deleted {} stray log(s) of node {}", deleted.size(), nodeId);
        return deleted;
    }

    private static String describe(StrayLogs.Reason reason) {
        return reason == StrayLogs.Reason.NOT_IN_IMAGE
                ? "its topic is no longer in the metadata (deleted while this node was down)"
                : "this node is no longer among the partition's replicas (reassigned away while it was down)";
    }
}
