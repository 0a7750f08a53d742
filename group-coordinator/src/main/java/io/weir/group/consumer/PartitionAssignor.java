package io.weir.group.consumer;

import org.apache.kafka.common.Uuid;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * A server-side assignor of KIP-848 (Kafka's {@code ConsumerGroupPartitionAssignor}): from the
 * members' subscriptions, the subscribed topics' partition counts and the current target
 * assignment, the next target assignment. Implementations are pure and deterministic: the same
 * input gives the same output whatever the iteration order of the maps passed in.
 */
public interface PartitionAssignor {
    /** The name clients ask for with {@code group.remote.assignor}. */
    String name();

    /**
     * @param subscriptions member id → the ids of the topics it subscribes to (topics that do not
     *     exist are left out by the caller)
     * @param partitionCounts topic id → its number of partitions, for every subscribed topic
     * @param current member id → its current target assignment (an assignor may keep it, to move
     *     as few partitions as it can); members absent from {@code subscriptions} are gone
     * @return every member of {@code subscriptions} → its partitions; each partition of a
     *     subscribed topic goes to exactly one member that subscribes to it
     */
    SortedMap<String, SortedSet<TopicIdPartition>> assign(Map<String, Set<Uuid>> subscriptions,
                                                         Map<Uuid, Integer> partitionCounts,
                                                         Map<String, ? extends Set<TopicIdPartition>> current);
}
