package io.weir.broker.metadata;

/**
 * Kafka's {@code auto.create.topics.enable}: Metadata for an unknown topic asks for it to be
 * created with the cluster defaults. Implementations must not block the caller.
 */
@FunctionalInterface
public interface TopicAutoCreator {
    TopicAutoCreator DISABLED = name -> false;

    /** Starts creating {@code name} unless that is already under way; false when auto-creation is off. */
    boolean requestCreation(String name);
}
