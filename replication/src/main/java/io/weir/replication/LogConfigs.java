package io.weir.replication;

import io.weir.storage.LogConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.TimestampType;

import java.util.Map;

/** Turns a topic's Kafka configs (as stored in the metadata image) into a storage {@link LogConfig}. */
public final class LogConfigs {
    private LogConfigs() {
    }

    /** The topic configs this node applies to its logs; others are stored but have no effect yet. */
    public static final java.util.Set<String> APPLIED = java.util.Set.of(
            TopicConfig.RETENTION_MS_CONFIG, TopicConfig.RETENTION_BYTES_CONFIG,
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);

    public static LogConfig from(LogConfig defaults, Map<String, String> topicConfigs) {
        LogConfig config = defaults;
        String retentionMs = topicConfigs.get(TopicConfig.RETENTION_MS_CONFIG);
        String retentionBytes = topicConfigs.get(TopicConfig.RETENTION_BYTES_CONFIG);
        if (retentionMs != null || retentionBytes != null) {
            config = config.withRetention(
                    retentionMs == null ? config.retentionMs() : Long.parseLong(retentionMs),
                    retentionBytes == null ? config.retentionBytes() : Long.parseLong(retentionBytes));
        }
        String maxMessageBytes = topicConfigs.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (maxMessageBytes != null) config = config.withMaxMessageBytes(Integer.parseInt(maxMessageBytes));
        String timestampType = topicConfigs.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
        if (timestampType != null) config = config.withTimestampType(TimestampType.forName(timestampType));
        return config;
    }
}
