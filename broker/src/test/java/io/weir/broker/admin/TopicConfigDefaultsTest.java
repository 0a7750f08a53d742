package io.weir.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.config.TopicConfigs;
import io.weir.storage.LogConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.server.config.ServerTopicConfigSynonyms;
import org.junit.jupiter.api.Test;

/**
 * DescribeConfigs and CreateTopics report the controller table's defaults; a topic without
 * explicit configs gets storage's defaults. They must be the same values, or what users are told
 * is not what their logs do. And the table must be Kafka's: what Kafka's broker accepts for a
 * topic, Weir accepts (except where it says it does less), with the same types and defaults.
 */
class TopicConfigDefaultsTest {
    private final Map<String, String> none = Map.of();
    private final LogConfig storage = LogConfig.defaults();

    /** Kafka's own topic config definitions, as its broker validates CreateTopics and AlterConfigs. */
    private static final ConfigDef KAFKA = org.apache.kafka.storage.internals.log.LogConfig.configDefCopy();

    /** Where Weir accepts fewer values than Kafka on purpose (see their docs in the table). */
    private static final Set<String> NARROWER = Set.of(TopicConfigs.CLEANUP_POLICY, TopicConfigs.REMOTE_STORAGE_ENABLE);

    private static final List<String> PROBES = List.of("", " ", "-131073", "-131072", "-3", "-2", "-1", "0", "1", "3", "4",
            "9", "10", "17", "18", "22", "23", "0.5", "1.5", "1048575", "1048576", "2147483647", "2147483648",
            "9223372036854775807", "true", "false", "TRUE", "maybe", "*", "0:1", "0:1,1:2", "0-1", "producer", "gzip",
            "brotli", "compact", "delete", "compact,delete", "CreateTime", "LogAppendTime", "createtime");

    @Test
    void theTableDefaultsAreWhatAPartitionLogUsesWhenATopicSetsNothing() {
        assertThat(TopicConfigs.longValue(none, TopicConfigs.RETENTION_MS)).isEqualTo(storage.retentionMs());
        assertThat(TopicConfigs.longValue(none, TopicConfigs.RETENTION_BYTES)).isEqualTo(storage.retentionBytes());
        assertThat(TopicConfigs.intValue(none, TopicConfigs.MAX_MESSAGE_BYTES)).isEqualTo(storage.maxMessageBytes());
        assertThat(TopicConfigs.longValue(none, TopicConfigs.DELETE_RETENTION_MS))
                .isEqualTo(storage.cleanup().deleteRetentionMs());
        assertThat(TopicConfigs.longValue(none, TopicConfigs.MIN_COMPACTION_LAG_MS))
                .isEqualTo(storage.cleanup().minCompactionLagMs());
        assertThat(TopicConfigs.longValue(none, TopicConfigs.MAX_COMPACTION_LAG_MS))
                .isEqualTo(storage.cleanup().maxCompactionLagMs());
        assertThat(TopicConfigs.value(none, TopicConfigs.MIN_CLEANABLE_DIRTY_RATIO))
                .isEqualTo(storage.cleanup().minDirtyRatio());
        assertThat(storage.cleanup().delete() && !storage.cleanup().compact()).as("cleanup.policy=delete").isTrue();
        assertThat(TimestampType.forName((String) TopicConfigs.value(none, TopicConfigs.MESSAGE_TIMESTAMP_TYPE)))
                .isEqualTo(storage.timestampType());
    }

    @Test
    void everyTopicConfigOfKafkasBrokerIsInTheTableWithItsTypeAndDefault() {
        for (ConfigDef.ConfigKey kafka : KAFKA.configKeys().values()) {
            if (kafka.internalConfig) continue;
            TopicConfigs.ConfigKey weir = TopicConfigs.find(kafka.name).orElseThrow(() -> new AssertionError(kafka.name));
            assertThat(weir.type().name()).as(kafka.name).isEqualTo(kafka.type.name());
            assertThat(weir.parse(weir.defaultValue())).as(kafka.name).isEqualTo(kafka.defaultValue);
            assertThat(TopicConfigs.brokerSynonym(kafka.name)).as(kafka.name)
                    .isEqualTo(ServerTopicConfigSynonyms.TOPIC_CONFIG_SYNONYMS.keySet().contains(kafka.name)
                            ? java.util.Optional.of(ServerTopicConfigSynonyms.TOPIC_CONFIG_SYNONYMS.get(kafka.name))
                            : java.util.Optional.empty());
        }
    }

    @Test
    void whatKafkaAcceptsWeirAcceptsAndTheOtherWayRound() {
        for (ConfigDef.ConfigKey kafka : KAFKA.configKeys().values()) {
            if (kafka.internalConfig) continue;
            for (String probe : PROBES) {
                boolean kafkaAccepts = kafkaAccepts(kafka, probe);
                boolean weirAccepts = TopicConfigs.validate(kafka.name, probe).isEmpty();
                if (NARROWER.contains(kafka.name)) {
                    assertThat(!weirAccepts || kafkaAccepts).as("%s=%s", kafka.name, probe).isTrue();
                } else {
                    assertThat(weirAccepts).as("%s=%s (Kafka accepts: %s)", kafka.name, probe, kafkaAccepts)
                            .isEqualTo(kafkaAccepts);
                }
            }
        }
    }

    private static boolean kafkaAccepts(ConfigDef.ConfigKey key, String value) {
        try {
            Object parsed = ConfigDef.parseType(key.name, value, key.type);
            if (key.validator != null) key.validator.ensureValid(key.name, parsed);
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }
}
