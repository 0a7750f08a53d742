package io.weir.controller.topic;

import java.util.Optional;
import java.util.regex.Pattern;

/** Kafka's topic name rules ({@code org.apache.kafka.common.internals.Topic.validate}). */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

    private TopicNames() {
    }

    /** Why {@code name} is not a legal topic name, or empty when it is. */
    public static Optional<String> validate(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("topic name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            return Optional.of("topic name cannot be \".\" or \"..\"");
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("topic name is longer than " + MAX_LENGTH + " characters");
        }
        if (!LEGAL.matcher(name).matches()) {
            return Optional.of("topic name " + name
                + " contains characters other than ASCII alphanumerics, '.', '_' and '-'");
        }
        return Optional.empty();
    }

    /** Names that differ only by '.' versus '_' collide in metric names, so Kafka forbids both. */
    public static String collisionKey(String name) {
        return name.replace('.', '_');
    }
}
