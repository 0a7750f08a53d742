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
 * Every topic config Apache Kafka defines ({@code org.apache.kafka.common.config.TopicConfig}),
 * in one table in the style of Kafka's {@code ConfigDef}: name, type, default, validator, what in
 * Weir applies it ({@link AppliedBy}), doc. CreateTopics and IncrementalAlterConfigs validate
 * against it; DescribeConfigs and CreateTopics report its defaults, types and docs; the broker
 * applies the {@link #APPLIED} ones to partition logs.
 *
 * <p>Names, types, defaults and ranges are Kafka's, so a topic config a framework sets on Kafka
 * is accepted here. Configs Weir does not act on are stored and reported as set, never refused
 * ({@link AppliedBy#NOTHING_YET}, {@link AppliedBy#NOT_APPLICABLE}); their docs say why. A name
 * Kafka does not define is refused (INVALID_CONFIG), as Kafka refuses it. Where Weir accepts fewer
 * values than Kafka (cleanup.policy, remote.storage.enable) the validator says so.
 */
public final class TopicConfigs {
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String COMPRESSION_GZIP_LEVEL = "compression.gzip.level";
    public static final String COMPRESSION_LZ4_LEVEL = "compression.lz4.level";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String COMPRESSION_ZSTD_LEVEL = "compression.zstd.level";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String FOLLOWER_REPLICATION_THROTTLED_REPLICAS = "follower.replication.throttled.replicas";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String LEADER_REPLICATION_THROTTLED_REPLICAS = "leader.replication.throttled.replicas";
    public static final String LOCAL_RETENTION_BYTES = "local.retention.bytes";
    public static final String LOCAL_RETENTION_MS = "local.retention.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_DOWNCONVERSION_ENABLE = "message.downconversion.enable";
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String PREALLOCATE = "preallocate";
    public static final String REMOTE_LOG_COPY_DISABLE = "remote.log.copy.disable";
    public static final String REMOTE_LOG_DELETE_ON_DISABLE = "remote.log.delete.on.disable";
    public static final String REMOTE_STORAGE_ENABLE = "remote.storage.enable";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String SEGMENT_JITTER_MS = "segment.jitter.ms";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    /** Kafka's {@code ConfigDef.Type}s that topic configs use; names match Kafka's {@code ConfigType}. */
    public enum Type {
        BOOLEAN, INT, LONG, DOUBLE, STRING, LIST;

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
                case DOUBLE -> {
                    try {
                        yield Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("not a number");
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
        /** Stored and reported; it could have a meaning in Weir, but nothing reads it yet (the doc says what is missing). */
        NOTHING_YET,
        /** Stored and reported; it has no meaning on Weir's storage (the doc says why). */
        NOT_APPLICABLE
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

        /** A number within {@code [min, max]}. */
        static Validator between(double min, double max) {
            return value -> {
                double v = ((Number) value).doubleValue();
                return v >= min && v <= max ? Optional.empty()
                    : Optional.of("must be between " + format(min) + " and " + format(max));
            };
        }

        /** {@code special}, or a number within {@code [min, max]} (Kafka's gzip level). */
        static Validator betweenOr(long special, long min, long max) {
            Validator range = between(min, max);
            return value -> ((Number) value).longValue() == special ? Optional.empty()
                : range.check(value).map(why -> why + " or be " + special);
        }

        private static String format(double d) {
            return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
        }

        /**
         * Kafka's throttled-replicas list: {@code *}, or {@code partition:broker} pairs of
         * non-negative integers (an empty list throttles nothing).
         */
        static Validator throttledReplicas() {
            return value -> {
                List<?> list = (List<?>) value;
                if (list.equals(List.of("*"))) return Optional.empty();
                for (Object item : list) {
                    if (!item.toString().matches("[0-9]+:[0-9]+")) {
                        return Optional.of("must be * or a list of partitionId:brokerId");
                    }
                }
                return Optional.empty();
            };
        }

        /** One of {@code allowed}, exactly. */
        static Validator in(String... allowed) {
            List<String> values = List.of(allowed);
            return value -> values.contains(value) ? Optional.empty()
                : Optional.of("must be one of " + String.join(", ", values));
        }

        /** Exactly {@code allowed}; {@code why} otherwise. */
        static Validator only(Object allowed, String why) {
            return value -> allowed.equals(value) ? Optional.empty() : Optional.of(why);
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
            return appliedBy != AppliedBy.NOTHING_YET && appliedBy != AppliedBy.NOT_APPLICABLE;
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
    private static final String FOREVER = Long.toString(Long.MAX_VALUE);
    private static final String NO_TIERED_STORAGE = " Weir has no tiered storage.";

    /** The table, sorted by name: every name of Kafka's TopicConfig, with Kafka's type, default and range. */
    private static final Map<String, ConfigKey> TABLE = table(
        new ConfigKey(CLEANUP_POLICY, Type.LIST, "delete",
            Validator.listOf("cleanup.policy must be delete, compact or compact,delete", "delete", "compact"),
            AppliedBy.PARTITION_LOG,
            "How old log data is removed: delete (retention by time and size), compact (the log cleaner keeps "
                + "the latest record per key), or both."),
        new ConfigKey(COMPRESSION_GZIP_LEVEL, Type.INT, "-1", Validator.betweenOr(-1, 1, 9), AppliedBy.NOT_APPLICABLE,
            "The gzip level a broker recompresses with. Weir stores batches as producers compress them "
                + "and never recompresses."),
        new ConfigKey(COMPRESSION_LZ4_LEVEL, Type.INT, "9", Validator.between(1, 17), AppliedBy.NOT_APPLICABLE,
            "The lz4 level a broker recompresses with. Weir never recompresses."),
        new ConfigKey(COMPRESSION_TYPE, Type.STRING, "producer",
            Validator.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), AppliedBy.NOTHING_YET,
            "The codec batches are stored with. Weir stores batches as the producer sent them (producer); "
                + "other values are stored but batches are not recompressed."),
        new ConfigKey(COMPRESSION_ZSTD_LEVEL, Type.INT, "3", Validator.between(-131072, 22), AppliedBy.NOT_APPLICABLE,
            "The zstd level a broker recompresses with. Weir never recompresses."),
        new ConfigKey(DELETE_RETENTION_MS, Type.LONG, "86400000", Validator.atLeast(0), AppliedBy.PARTITION_LOG,
            "How long tombstones are kept on a compacted topic once cleaned."),
        new ConfigKey(FILE_DELETE_DELAY_MS, Type.LONG, "60000", Validator.atLeast(0), AppliedBy.NOT_APPLICABLE,
            "How long Kafka waits before deleting a segment file. Weir deletes whole roll files at once, "
                + "after persisting the new log start offset."),
        new ConfigKey(FLUSH_MESSAGES, Type.LONG, FOREVER, Validator.atLeast(1), AppliedBy.NOT_APPLICABLE,
            "Records between forced fsyncs. Weir does not fsync appends; durability comes from replication "
                + "(Kafka's default also never forces one)."),
        new ConfigKey(FLUSH_MS, Type.LONG, FOREVER, Validator.atLeast(0), AppliedBy.NOT_APPLICABLE,
            "Time between forced fsyncs. Weir does not fsync appends; durability comes from replication."),
        new ConfigKey(FOLLOWER_REPLICATION_THROTTLED_REPLICAS, Type.LIST, "", Validator.throttledReplicas(),
            AppliedBy.NOTHING_YET,
            "Replicas whose follower fetches are throttled (set by Kafka's reassignment tool). Weir has no "
                + "replication throttle yet."),
        new ConfigKey(INDEX_INTERVAL_BYTES, Type.INT, "4096", Validator.atLeast(0), AppliedBy.NOT_APPLICABLE,
            "Bytes between offset index entries. Weir's sparse index is in memory, one entry per 4 KiB of "
                + "batches for every log."),
        new ConfigKey(LEADER_REPLICATION_THROTTLED_REPLICAS, Type.LIST, "", Validator.throttledReplicas(),
            AppliedBy.NOTHING_YET,
            "Replicas whose leader side of replication is throttled (set by Kafka's reassignment tool). Weir "
                + "has no replication throttle yet."),
        new ConfigKey(LOCAL_RETENTION_BYTES, Type.LONG, "-2", Validator.atLeast(-2), AppliedBy.NOT_APPLICABLE,
            "Local retention by size with tiered storage." + NO_TIERED_STORAGE),
        new ConfigKey(LOCAL_RETENTION_MS, Type.LONG, "-2", Validator.atLeast(-2), AppliedBy.NOT_APPLICABLE,
            "Local retention by time with tiered storage." + NO_TIERED_STORAGE),
        new ConfigKey(MAX_COMPACTION_LAG_MS, Type.LONG, FOREVER, Validator.atLeast(1), AppliedBy.PARTITION_LOG,
            "The longest a record stays uncompacted (a dirty roll file this old is cleaned whatever the dirty ratio)."),
        new ConfigKey(MAX_MESSAGE_BYTES, Type.INT, Integer.toString(1024 * 1024 + 12), Validator.atLeast(0),
            AppliedBy.PARTITION_LOG, "The largest record batch size allowed, after compression."),
        new ConfigKey(MESSAGE_DOWNCONVERSION_ENABLE, Type.BOOLEAN, "true", Validator.any(), AppliedBy.NOT_APPLICABLE,
            "Down-conversion for old fetch versions (removed from Kafka 4's broker). Weir serves Fetch v4 and "
                + "later only and never down-converts."),
        new ConfigKey(MESSAGE_TIMESTAMP_AFTER_MAX_MS, Type.LONG, "3600000", Validator.atLeast(0), AppliedBy.PARTITION_LOG,
            "How far ahead of the leader's clock a CreateTime record's timestamp may be; a batch with a record "
                + "beyond it is refused with INVALID_TIMESTAMP."),
        new ConfigKey(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Type.LONG, FOREVER, Validator.atLeast(0), AppliedBy.PARTITION_LOG,
            "How far behind the leader's clock a CreateTime record's timestamp may be; a batch with a record "
                + "beyond it is refused with INVALID_TIMESTAMP."),
        new ConfigKey(MESSAGE_TIMESTAMP_TYPE, Type.STRING, "CreateTime",
            Validator.in("CreateTime", "LogAppendTime"), AppliedBy.PARTITION_LOG,
            "Whether record timestamps are the producer's (CreateTime) or the leader's append "
                + "time (LogAppendTime)."),
        new ConfigKey(MIN_CLEANABLE_DIRTY_RATIO, Type.DOUBLE, "0.5", Validator.between(0, 1), AppliedBy.PARTITION_LOG,
            "The dirty share of a log that makes it eligible for cleaning."),
        new ConfigKey(MIN_COMPACTION_LAG_MS, Type.LONG, "0", Validator.atLeast(0), AppliedBy.PARTITION_LOG,
            "The shortest a record stays uncompacted."),
        new ConfigKey(MIN_INSYNC_REPLICAS, Type.INT, "1", Validator.atLeast(1), AppliedBy.PARTITION_LEADER,
            "With acks=all, the fewest in-sync replicas (leader included) that must hold a write; "
                + "below it the leader refuses with NOT_ENOUGH_REPLICAS."),
        new ConfigKey(PREALLOCATE, Type.BOOLEAN, "false", Validator.any(), AppliedBy.NOT_APPLICABLE,
            "Whether Kafka preallocates segment files. Chronicle Queue maps its roll files in blocks whatever "
                + "this says."),
        new ConfigKey(REMOTE_LOG_COPY_DISABLE, Type.BOOLEAN, "false", Validator.any(), AppliedBy.NOT_APPLICABLE,
            "Stops copying segments to tiered storage." + NO_TIERED_STORAGE),
        new ConfigKey(REMOTE_LOG_DELETE_ON_DISABLE, Type.BOOLEAN, "false", Validator.any(), AppliedBy.NOT_APPLICABLE,
            "Deletes tiered data when tiered storage is turned off." + NO_TIERED_STORAGE),
        new ConfigKey(REMOTE_STORAGE_ENABLE, Type.BOOLEAN, "false",
            Validator.only(Boolean.FALSE, "tiered storage is not enabled: Weir has none (Kafka refuses it too "
                + "while remote.log.storage.system.enable is false)"),
            AppliedBy.NOT_APPLICABLE, "Whether the topic uses tiered storage." + NO_TIERED_STORAGE),
        new ConfigKey(RETENTION_BYTES, Type.LONG, "-1", Validator.any(), AppliedBy.PARTITION_LOG,
            "The largest size a partition's log may grow to before old roll files are deleted; "
                + "-1 (any negative value) means no size limit."),
        new ConfigKey(RETENTION_MS, Type.LONG, Long.toString(SEVEN_DAYS_MS), Validator.atLeast(-1),
            AppliedBy.PARTITION_LOG,
            "How long data is kept before its roll file is deleted; -1 means no time limit. "
                + "Weir deletes whole roll files, so retention acts at the roll cycle's granularity."),
        new ConfigKey(SEGMENT_BYTES, Type.INT, Integer.toString(1 << 30), Validator.atLeast(1 << 20),
            AppliedBy.NOTHING_YET,
            "Kafka's segment size. Weir stores it but rolls its Chronicle Queue files by time only (segment.ms), "
                + "whatever their size; retention and compaction work on whole roll files."),
        new ConfigKey(SEGMENT_INDEX_BYTES, Type.INT, Integer.toString(10 * 1024 * 1024), Validator.atLeast(4),
            AppliedBy.NOT_APPLICABLE,
            "The size of a segment's offset index file. Weir's offset index is in memory, rebuilt on open."),
        new ConfigKey(SEGMENT_JITTER_MS, Type.LONG, "0", Validator.atLeast(0), AppliedBy.NOTHING_YET,
            "Random jitter on segment.ms. Weir rolls its files on a fixed cycle."),
        new ConfigKey(SEGMENT_MS, Type.LONG, Long.toString(SEVEN_DAYS_MS), Validator.atLeast(1),
            AppliedBy.PARTITION_LOG,
            "Kafka's segment roll time. A new log rolls its Chronicle Queue files on the longest cycle not "
                + "above it, at most hourly (1 s, 1, 5, 10, 20 or 30 minutes, 1 hour); a log keeps the cycle it "
                + "was created with."),
        new ConfigKey(UNCLEAN_LEADER_ELECTION_ENABLE, Type.BOOLEAN, "false", Validator.any(),
            AppliedBy.CONTROLLER,
            "Whether the controller may elect a replica outside the ISR when no ISR member is "
                + "alive, at the cost of losing acknowledged writes."));

    /**
     * The broker config whose value is a topic config's default where the topic sets none
     * (Kafka's {@code ServerTopicConfigSynonyms}); DescribeConfigs reports it as the synonym.
     */
    private static final Map<String, String> BROKER_SYNONYMS = Map.ofEntries(
        Map.entry(CLEANUP_POLICY, "log.cleanup.policy"),
        Map.entry(COMPRESSION_GZIP_LEVEL, COMPRESSION_GZIP_LEVEL),
        Map.entry(COMPRESSION_LZ4_LEVEL, COMPRESSION_LZ4_LEVEL),
        Map.entry(COMPRESSION_TYPE, COMPRESSION_TYPE),
        Map.entry(COMPRESSION_ZSTD_LEVEL, COMPRESSION_ZSTD_LEVEL),
        Map.entry(DELETE_RETENTION_MS, "log.cleaner.delete.retention.ms"),
        Map.entry(FILE_DELETE_DELAY_MS, "log.segment.delete.delay.ms"),
        Map.entry(FLUSH_MESSAGES, "log.flush.interval.messages"),
        Map.entry(FLUSH_MS, "log.flush.interval.ms"),
        Map.entry(INDEX_INTERVAL_BYTES, "log.index.interval.bytes"),
        Map.entry(LOCAL_RETENTION_BYTES, "log.local.retention.bytes"),
        Map.entry(LOCAL_RETENTION_MS, "log.local.retention.ms"),
        Map.entry(MAX_COMPACTION_LAG_MS, "log.cleaner.max.compaction.lag.ms"),
        Map.entry(MAX_MESSAGE_BYTES, "message.max.bytes"),
        Map.entry(MESSAGE_TIMESTAMP_AFTER_MAX_MS, "log.message.timestamp.after.max.ms"),
        Map.entry(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, "log.message.timestamp.before.max.ms"),
        Map.entry(MESSAGE_TIMESTAMP_TYPE, "log.message.timestamp.type"),
        Map.entry(MIN_CLEANABLE_DIRTY_RATIO, "log.cleaner.min.cleanable.ratio"),
        Map.entry(MIN_COMPACTION_LAG_MS, "log.cleaner.min.compaction.lag.ms"),
        Map.entry(MIN_INSYNC_REPLICAS, MIN_INSYNC_REPLICAS),
        Map.entry(PREALLOCATE, "log.preallocate"),
        Map.entry(RETENTION_BYTES, "log.retention.bytes"),
        Map.entry(RETENTION_MS, "log.retention.ms"),
        Map.entry(SEGMENT_BYTES, "log.segment.bytes"),
        Map.entry(SEGMENT_INDEX_BYTES, "log.index.size.max.bytes"),
        Map.entry(SEGMENT_JITTER_MS, "log.roll.jitter.ms"),
        Map.entry(SEGMENT_MS, "log.roll.ms"),
        Map.entry(UNCLEAN_LEADER_ELECTION_ENABLE, UNCLEAN_LEADER_ELECTION_ENABLE));

    /** The broker config that holds {@code topicConfig}'s default, as Kafka names it; empty for configs with none. */
    public static Optional<String> brokerSynonym(String topicConfig) {
        return Optional.ofNullable(BROKER_SYNONYMS.get(topicConfig));
    }

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
