package io.weir.broker.admin;

import io.weir.controller.config.TopicConfigs;
import io.weir.storage.LogConfig;

import java.util.Map;
import java.util.TreeMap;

/**
 * Defaults of the topic configs the controller accepts ({@link TopicConfigs}), as
 * DescribeConfigs and CreateTopics report them. They mirror the storage defaults
 * ({@link LogConfig#defaults()}) and Kafka's.
 */
final class TopicConfigDefaults {
    /** A config value and whether it is the default (not set on the topic). */
    record Value(String value, boolean isDefault) {
    }

    static final Map<String, String> DEFAULTS = Map.of(
            TopicConfigs.RETENTION_MS, Long.toString(LogConfig.DEFAULT_RETENTION_MS),
            TopicConfigs.RETENTION_BYTES, "-1",
            TopicConfigs.MIN_INSYNC_REPLICAS, "1",
            TopicConfigs.CLEANUP_POLICY, "delete",
            TopicConfigs.MESSAGE_TIMESTAMP_TYPE, "CreateTime",
            TopicConfigs.MAX_MESSAGE_BYTES, Integer.toString(LogConfig.DEFAULT_MAX_MESSAGE_BYTES),
            TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE, "false",
            TopicConfigs.SEGMENT_MS, Long.toString(LogConfig.DEFAULT_RETENTION_MS));

    private TopicConfigDefaults() {
    }

    /** Every known topic config: the explicit value where set, else the default; sorted by name. */
    static Map<String, Value> effective(Map<String, String> explicit) {
        Map<String, Value> out = new TreeMap<>();
        DEFAULTS.forEach((k, v) -> out.put(k, new Value(v, true)));
        explicit.forEach((k, v) -> out.put(k, new Value(v, false)));
        return out;
    }
}
