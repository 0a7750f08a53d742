package io.weir.controller.config;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.ConfigResource;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The topic configs Weir understands: one table in the style of Kafka's {@code ConfigDef}
 * (name, type, default, validator, whether Weir honours it, doc). CreateTopics and
 * IncrementalAlterConfigs validate against it; DescribeConfigs and CreateTopics report its
 * defaults, types and docs; the broker applies the {@link #APPLIED} ones to partition logs.
 *
 * <p>Unknown keys are rejected with INVALID_CONFIG rather than stored and ignored, so users
 * learn at once that a setting has no effect here. Names, types and defaults are Kafka's; where
 * Weir accepts fewer values than Kafka (cleanup.policy) the validator says so.
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

    /** Kafka's {@code ConfigDef.Type}s that topic configs use; names match Kafka's {@code ConfigType}. */
    public enum Type {
        BOOLEAN, INT, LONG, STRING, LIST;

        /** The typed value of {@code value} (trimmed, as Kafka parses it). */
        Object parse(String value) {
            String v = value.trim();
            return switch (this) {
                case BOOLEAN -> {
                    if (v.equalsIgnoreCase("true")) yield Boolean.TRUE;
                    if (v.equalsIgnoreCase("false")) yield Boolean.FALSE;
                    throw new IllegalArgumentException("must be true or false");
                }
                case INT -> {
                    try {
                        yield Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("not a 32-bit integer");
                    }
                }
                case LONG -> {
                    try {
                        yield Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("not a 64-bit integer");
                    }
                }
                case STRING -> v;
                case LIST -> v.isEmpty() ? List.of()
                    : Arrays.stream(v.split(",")).map(String::trim).collect(Collectors.toUnmodifiableList());
            };
        }
    }

    /** What makes a config take effect in Weir. */
    public enum AppliedBy {
        /** The broker turns it into the partition log's storage config ({@link #APPLIED}). */
        PARTITION_LOG,
        /** The partition leader checks it on the produce path. */
        PARTITION_LEADER,
        /** The controller uses it in its decisions. */
        CONTROLLER,
        /** Accepted and stored for compatibility; nothing in Weir reads it yet. */
        NOTHING_YET
    }

    /** Checks a parsed value; returns why it is invalid, or empty. */
    @FunctionalInterface
    public interface Validator {
        Optional<String> check(Object value);

        static Validator any() {
            return value -> Optional.empty();
        }

        /** A number at least {@code min}. */
        static Validator atLeast(long min) {
            return value -> ((Number) value).longValue() >= min ? Optional.empty()
                : Optional.of("must be at least " + min);
        }

        /** One of {@code allowed}, exactly. */
        static Validator in(String... allowed) {
            List<String> values = List.of(allowed);
            return value -> values.contains(value) ? Optional.empty()
                : Optional.of("must be one of " + String.join(", ", values));
        }

        /** A non-empty list whose every element is one of {@code allowed}. */
        static Validator listOf(String why, String... allowed) {
            List<String> values = List.of(allowed);
            return value -> {
                List<?> list = (List<?>) value;
                return !list.isEmpty() && values.containsAll(list) ? Optional.empty() : Optional.of(why);
            };
        }
    }

    /** One row of the table. */
    public record ConfigKey(String name, Type type, String defaultValue, Validator validator,
                            AppliedBy appliedBy, String doc) {
        public boolean honoured() {
            return appliedBy != AppliedBy.NOTHING_YET;
        }

        /**
         * The typed value of {@code value} ({@link Long}, {@link Integer}, {@link Boolean},
         * {@link String} or {@code List<String>}); throws IllegalArgumentException naming this
         * config when it does not parse or its validator refuses it.
         */
        public Object parse(String value) {
            if (value == null) {
                throw new IllegalArgumentException("null value for " + name);
            }
            Object parsed;
            try {
                parsed = type.parse(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + "=" + value + ": " + e.getMessage(), e);
            }
            Optional<String> reason = validator.check(parsed);
            if (reason.isPresent()) {
                throw new IllegalArgumentException(name + "=" + value + ": " + reason.get());
            }
            return parsed;
        }
    }

    private static final long SEVEN_DAYS_MS = 7L * 24 * 60 * 60 * 1000;

    /** The table, sorted by name. */
    private static final Map<String, ConfigKey> TABLE = table(
        new ConfigKey(CLEANUP_POLICY, Type.LIST, "delete",
            Validator.listOf("only cleanup.policy=delete is supported", "delete"), AppliedBy.PARTITION_LOG,
            "How old log data is removed. Weir supports delete only (retention by time and size); "
                + "compaction is not implemented."),
        new ConfigKey(MAX_MESSAGE_BYTES, Type.INT, Integer.toString(1024 * 1024 + 12), Validator.atLeast(0),
            AppliedBy.PARTITION_LOG, "The largest record batch size allowed, after compression."),
        new ConfigKey(MESSAGE_TIMESTAMP_TYPE, Type.STRING, "CreateTime",
            Validator.in("CreateTime", "LogAppendTime"), AppliedBy.PARTITION_LOG,
            "Whether record timestamps are the producer's (CreateTime) or the leader's append "
                + "time (LogAppendTime)."),
        new ConfigKey(MIN_INSYNC_REPLICAS, Type.INT, "1", Validator.atLeast(1), AppliedBy.PARTITION_LEADER,
            "With acks=all, the fewest in-sync replicas (leader included) that must hold a write; "
                + "below it the leader refuses with NOT_ENOUGH_REPLICAS."),
        new ConfigKey(RETENTION_BYTES, Type.LONG, "-1", Validator.atLeast(-1), AppliedBy.PARTITION_LOG,
            "The largest size a partition's log may grow to before old roll files are deleted; "
                + "-1 means no size limit."),
        new ConfigKey(RETENTION_MS, Type.LONG, Long.toString(SEVEN_DAYS_MS), Validator.atLeast(-1),
            AppliedBy.PARTITION_LOG,
            "How long data is kept before its roll file is deleted; -1 means no time limit. "
                + "Weir deletes whole roll files, so retention acts at the roll cycle's granularity."),
        new ConfigKey(SEGMENT_MS, Type.LONG, Long.toString(SEVEN_DAYS_MS), Validator.atLeast(1),
            AppliedBy.NOTHING_YET,
            "Kafka's segment roll time. Accepted for compatibility; Weir rolls its Chronicle Queue "
                + "files on a fixed cycle and ignores it."),
        new ConfigKey(UNCLEAN_LEADER_ELECTION_ENABLE, Type.BOOLEAN, "false", Validator.any(),
            AppliedBy.CONTROLLER,
            "Whether the controller may elect a replica outside the ISR when no ISR member is "
                + "alive, at the cost of losing acknowledged writes."));

    /** The configs that change how a partition's log behaves; the broker turns them into its storage config. */
    public static final Set<String> APPLIED = TABLE.values().stream()
        .filter(k -> k.appliedBy() == AppliedBy.PARTITION_LOG).map(ConfigKey::name)
        .collect(Collectors.toUnmodifiableSet());

    private TopicConfigs() {
    }

    private static Map<String, ConfigKey> table(ConfigKey... keys) {
        Map<String, ConfigKey> table = new TreeMap<>();
        for (ConfigKey key : keys) {
            if (table.put(key.name(), key) != null) {
                throw new IllegalStateException("topic config " + key.name() + " defined twice");
            }
            key.parse(key.defaultValue()); // a default its own validator refuses is a bug in this table
        }
        return Collections.unmodifiableMap(table);
    }

    /** Every row, sorted by name. */
    public static Map<String, ConfigKey> all() {
        return TABLE;
    }

    public static Optional<ConfigKey> find(String name) {
        return Optional.ofNullable(TABLE.get(name));
    }

    public static boolean isKnown(String key) {
        return TABLE.containsKey(key);
    }

    /** Why {@code key=value} is invalid (naming the key), or empty when it is valid. */
    public static Optional<String> validate(String key, String value) {
        ConfigKey def = TABLE.get(key);
        if (def == null) {
            return Optional.of("unknown topic config " + key);
        }
        try {
            def.parse(value);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The validation error of the first invalid entry, or empty. */
    public static Optional<String> validate(Map<String, String> configs) {
        return configs.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .map(e -> validate(e.getKey(), e.getValue())).flatMap(Optional::stream).findFirst();
    }

    /** A config's value as a topic has it, and whether that is the table's default (not set on the topic). */
    public record Value(String value, boolean isDefault) {
    }

    /** Every known topic config: the explicit value where set, else the default; sorted by name. */
    public static Map<String, Value> effective(Map<String, String> explicit) {
        Map<String, Value> out = new TreeMap<>();
        TABLE.forEach((name, key) -> out.put(name, new Value(key.defaultValue(), true)));
        explicit.forEach((name, value) -> out.put(name, new Value(value, false)));
        return out;
    }

    /** The typed value of {@code name} in a topic's configs: the explicit value where set, else the default. */
    public static Object value(Map<String, String> topicConfigs, String name) {
        ConfigKey key = TABLE.get(name);
        if (key == null) {
            throw new IllegalArgumentException("unknown topic config " + name);
        }
        return key.parse(topicConfigs.getOrDefault(name, key.defaultValue()));
    }

    public static long longValue(Map<String, String> topicConfigs, String name) {
        return ((Number) value(topicConfigs, name)).longValue();
    }

    public static int intValue(Map<String, String> topicConfigs, String name) {
        return (Integer) value(topicConfigs, name);
    }

    public static boolean booleanValue(Map<String, String> topicConfigs, String name) {
        return (Boolean) value(topicConfigs, name);
    }

    /**
     * Whether the controller may elect outside the ISR for {@code topic}. Lenient like
     * {@link Boolean#parseBoolean}: a controller decision must not throw on a stored value.
     */
    public static boolean uncleanLeaderElection(MetadataImage image, String topic) {
        return Boolean.parseBoolean(image.configs(ConfigResource.topic(topic)).getOrDefault(
            UNCLEAN_LEADER_ELECTION_ENABLE, TABLE.get(UNCLEAN_LEADER_ELECTION_ENABLE).defaultValue()).trim());
    }

    /** The defaults of every known config, by name (what a topic with no explicit configs has). */
    public static Map<String, String> defaults() {
        Map<String, String> out = new LinkedHashMap<>();
        TABLE.forEach((name, key) -> out.put(name, key.defaultValue()));
        return Collections.unmodifiableMap(out);
    }
}
