package io.weir.replication;

import static io.weir.controller.config.TopicConfigs.CLEANUP_POLICY;
import static io.weir.controller.config.TopicConfigs.DELETE_RETENTION_MS;
import static io.weir.controller.config.TopicConfigs.MAX_COMPACTION_LAG_MS;
import static io.weir.controller.config.TopicConfigs.MAX_MESSAGE_BYTES;
import static io.weir.controller.config.TopicConfigs.MIN_CLEANABLE_DIRTY_RATIO;
import static io.weir.controller.config.TopicConfigs.MIN_COMPACTION_LAG_MS;
import static io.weir.controller.config.TopicConfigs.SEGMENT_MS;
import static io.weir.controller.config.TopicConfigs.MESSAGE_TIMESTAMP_AFTER_MAX_MS;
import static io.weir.controller.config.TopicConfigs.MESSAGE_TIMESTAMP_BEFORE_MAX_MS;
import static io.weir.controller.config.TopicConfigs.MESSAGE_TIMESTAMP_TYPE;
import static io.weir.controller.config.TopicConfigs.RETENTION_BYTES;
import static io.weir.controller.config.TopicConfigs.RETENTION_MS;

import io.weir.controller.config.TopicConfigs;
import io.weir.storage.LogConfig;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.TimestampType;

/**
 * Turns a topic's Kafka configs (as stored in the metadata image) into a storage
 * {@link LogConfig}, reading them through the one table of topic configs
 * ({@link TopicConfigs}), which validated them when they were set.
 */
public final class LogConfigs {
    private LogConfigs() {
    }

    public static LogConfig from(LogConfig defaults, Map<String, String> c) {
        LogConfig config = defaults;
        if (c.containsKey(RETENTION_MS) || c.containsKey(RETENTION_BYTES)) {
            config = config.withRetention(
                    c.containsKey(RETENTION_MS) ? TopicConfigs.longValue(c, RETENTION_MS) : config.retentionMs(),
                    c.containsKey(RETENTION_BYTES) ? TopicConfigs.longValue(c, RETENTION_BYTES) : config.retentionBytes());
        }
        if (c.containsKey(MAX_MESSAGE_BYTES)) {
            config = config.withMaxMessageBytes(TopicConfigs.intValue(c, MAX_MESSAGE_BYTES));
        }
        if (c.containsKey(MESSAGE_TIMESTAMP_TYPE)) {
            config = config.withTimestampType(TimestampType.forName((String) TopicConfigs.value(c, MESSAGE_TIMESTAMP_TYPE)));
        }
        // Always the topic's effective bounds (Kafka's defaults where it sets none: none into the past,
        // an hour into the future): the storage defaults bound nothing.
        config = config.withTimestampBounds(TopicConfigs.longValue(c, MESSAGE_TIMESTAMP_BEFORE_MAX_MS),
                TopicConfigs.longValue(c, MESSAGE_TIMESTAMP_AFTER_MAX_MS));
        if (c.containsKey(SEGMENT_MS)) {
            // Only a new log takes it: an existing queue keeps the cycle it was created with.
            config = config.withRollCycle(LogConfig.rollCycleForSegmentMs(TopicConfigs.longValue(c, SEGMENT_MS)));
        }
        return config.withCleanup(cleanup(config.cleanup(), c));
    }

    /** {@code cleanup.policy} and the compaction settings; a setting the topic leaves out keeps {@code defaults}'. */
    static LogConfig.Cleanup cleanup(LogConfig.Cleanup defaults, Map<String, String> c) {
        LogConfig.Cleanup cleanup = defaults;
        if (c.containsKey(CLEANUP_POLICY)) {
            List<?> policy = (List<?>) TopicConfigs.value(c, CLEANUP_POLICY);
            cleanup = cleanup.withPolicy(policy.contains("delete"), policy.contains("compact"));
        }
        return cleanup.withLags(
                c.containsKey(DELETE_RETENTION_MS) ? TopicConfigs.longValue(c, DELETE_RETENTION_MS)
                        : cleanup.deleteRetentionMs(),
                c.containsKey(MIN_COMPACTION_LAG_MS) ? TopicConfigs.longValue(c, MIN_COMPACTION_LAG_MS)
                        : cleanup.minCompactionLagMs(),
                c.containsKey(MAX_COMPACTION_LAG_MS) ? TopicConfigs.longValue(c, MAX_COMPACTION_LAG_MS)
                        : cleanup.maxCompactionLagMs(),
                c.containsKey(MIN_CLEANABLE_DIRTY_RATIO)
                        ? ((Number) TopicConfigs.value(c, MIN_CLEANABLE_DIRTY_RATIO)).doubleValue()
                        : cleanup.minDirtyRatio());
    }
}
