package io.weir.group;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * The topics a group member's principal may describe (its DESCRIBE ACLs, as the broker checks
 * them): a consumer group's {@code SubscribedTopicRegex} matches only these, as Kafka's
 * {@code TopicRegexResolver} filters by the asking member's authorization.
 *
 * @param principal names the principal and its address (ACLs may name hosts), for caching its
 *     view (e.g. {@code User:alice@10.0.0.1})
 * @param describable whether the principal may describe a topic
 */
public record TopicVisibility(String principal, Predicate<String> describable) {
    public TopicVisibility {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(describable, "describable");
    }
}
