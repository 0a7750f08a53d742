package io.weir.controller.config;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.ConfigResource;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The topic configs Weir understands, each with its validator. Unknown keys are rejected with
 * INVALID_CONFIG rather than stored and ignored, so users learn at once that a setting has no
 * effect here.
 */
public final class TopicConfigs {
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    public static final String SEGMENT_MS = "segment.ms";

    private static final Map<String, Function<String, Optional<String>>> VALIDATORS = Map.of(
        RETENTION_MS, v -> longAtLeast(v, -1),
        RETENTION_BYTES, v -> longAtLeast(v, -1),
        MIN_INSYNC_REPLICAS, v -> longAtLeast(v, 1),
        CLEANUP_POLICY, v -> "delete".equals(v) ? Optional.empty()
            : Optional.of("only cleanup.policy=delete is supported"),
        MESSAGE_TIMESTAMP_TYPE, v -> "CreateTime".equals(v) || "LogAppendTime".equals(v)
            ? Optional.empty() : Optional.of("must be CreateTime or LogAppendTime"),
        MAX_MESSAGE_BYTES, v -> longAtLeast(v, 0),
        UNCLEAN_LEADER_ELECTION_ENABLE, v -> "true".equalsIgnoreCase(v) || "false".equalsIgnoreCase(v)
            ? Optional.empty() : Optional.of("must be true or false"),
        SEGMENT_MS, v -> longAtLeast(v, 1));

    private TopicConfigs() {
    }

    public static boolean isKnown(String key) {
        return VALIDATORS.containsKey(key);
    }

    /** Why {@code key=value} is invalid, or empty when it is valid. */
    public static Optional<String> validate(String key, String value) {
        Function<String, Optional<String>> validator = VALIDATORS.get(key);
        if (validator == null) {
            return Optional.of("unknown topic config " + key);
        }
        if (value == null) {
            return Optional.of("null value for " + key);
        }
        return validator.apply(value.trim()).map(reason -> key + "=" + value + ": " + reason);
    }

    /** The validation error of the first invalid entry, or empty. */
    public static Optional<String> validate(Map<String, String> configs) {
        return configs.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .map(e -> validate(e.getKey(), e.getValue())).flatMap(Optional::stream).findFirst();
    }

    public static boolean uncleanLeaderElection(MetadataImage image, String topic) {
        return Boolean.parseBoolean(image.configs(ConfigResource.topic(topic))
            .getOrDefault(UNCLEAN_LEADER_ELECTION_ENABLE, "false").trim());
    }

    private static Optional<String> longAtLeast(String value, long min) {
        try {
            long v = Long.parseLong(value);
            return v >= min ? Optional.empty() : Optional.of("must be at least " + min);
        } catch (NumberFormatException e) {
            return Optional.of("not a number");
        }
    }
}
