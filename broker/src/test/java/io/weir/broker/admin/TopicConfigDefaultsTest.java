package io.weir.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.config.TopicConfigs;
import io.weir.storage.LogConfig;
import java.util.Map;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * DescribeConfigs and CreateTopics report the controller table's defaults; a topic without
 * explicit configs gets storage's defaults. They must be the same values, or what users are told
 * is not what their logs do.
 */
class TopicConfigDefaultsTest {
    private final Map<String, String> none = Map.of();
    private final LogConfig storage = LogConfig.defaults();

    @Test
    void theTableDefaultsAreWhatAPartitionLogUsesWhenATopicSetsNothing() {
        assertThat(TopicConfigs.longValue(none, TopicConfigs.RETENTION_MS)).isEqualTo(storage.retentionMs());
        assertThat(TopicConfigs.longValue(none, TopicConfigs.RETENTION_BYTES)).isEqualTo(storage.retentionBytes());
        assertThat(TopicConfigs.intValue(none, TopicConfigs.MAX_MESSAGE_BYTES)).isEqualTo(storage.maxMessageBytes());
        assertThat(TimestampType.forName((String) TopicConfigs.value(none, TopicConfigs.MESSAGE_TIMESTAMP_TYPE)))
                .isEqualTo(storage.timestampType());
    }
}
