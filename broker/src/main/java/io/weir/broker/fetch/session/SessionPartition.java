package io.weir.broker.fetch.session;

import java.util.Objects;
import org.apache.kafka.common.Uuid;

/**
 * A partition as a fetch session knows it: by topic id for requests of version 13 and up (the
 * name is then {@code null}), by topic name below (the id is then zero), as Kafka's
 * {@code CachedPartition} compares them. A request may name the zero id (it gets UNKNOWN_TOPIC_ID).
 */
public record SessionPartition(Uuid topicId, String topic, int partition) {

    public SessionPartition {
        Objects.requireNonNull(topicId, "topicId");
        if (topic != null && !topicId.equals(Uuid.ZERO_UUID)) {
            throw new IllegalArgumentException("a session partition has a topic id or a name, not both");
        }
    }

    public static SessionPartition byId(Uuid topicId, int partition) {
        return new SessionPartition(topicId, null, partition);
    }

    public static SessionPartition byName(String topic, int partition) {
        return new SessionPartition(Uuid.ZERO_UUID, Objects.requireNonNull(topic, "topic"), partition);
    }

    public boolean usesTopicId() {
        return topic == null;
    }

    /** Whether {@code other} belongs to the same topic of a response. */
    boolean sameTopic(SessionPartition other) {
        return usesTopicId() ? topicId.equals(other.topicId) : topic.equals(other.topic);
    }
}
