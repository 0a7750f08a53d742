package io.weir.controller.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.controller.config.TopicConfigs.ConfigKey;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {

    /** A value of each type that no topic config accepts. */
    private static String badValueFor(TopicConfigs.Type type) {
        return switch (type) {
            case BOOLEAN -> "maybe";
            case INT, LONG, DOUBLE -> "lots";
            case STRING, LIST -> "no-such-value";
        };
    }

    private static Set<String> constants(Class<?> owner, String suffix) throws IllegalAccessException {
        Set<String> names = new java.util.TreeSet<>();
        for (Field f : owner.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && f.getName().endsWith(suffix)) {
                names.add((String) f.get(null));
            }
        }
        return names;
    }

    @Test
    void everyNameIsInTheTableAndIsAKafkaTopicConfig() throws Exception {
        assertThat(TopicConfigs.all().keySet()).containsExactlyInAnyOrderElementsOf(constants(TopicConfigs.class, ""));
        // Every topic config Kafka defines, so no framework's topic is refused for a name; plus the
        // two throttle configs Kafka's broker defines (QuotaConfig) and its reassignment tool sets.
        Set<String> kafkas = constants(TopicConfig.class, "_CONFIG");
        kafkas.addAll(Set.of("leader.replication.throttled.replicas", "follower.replication.throttled.replicas"));
        assertThat(TopicConfigs.all().keySet()).containsExactlyInAnyOrderElementsOf(kafkas);
        TopicConfigs.all().forEach((name, key) -> {
            assertThat(key.name()).isEqualTo(name);
            assertThat(key.doc()).as(name).isNotBlank();
        });
    }

    @Test
    void everyDefaultParsesAndPassesItsOwnValidator() {
        for (ConfigKey key : TopicConfigs.all().values()) {
            assertThat(TopicConfigs.validate(key.name(), key.defaultValue())).as(key.name()).isEmpty();
            assertThat(key.parse(key.defaultValue())).as(key.name()).isNotNull();
        }
        assertThat(TopicConfigs.validate(TopicConfigs.defaults())).isEmpty();
    }

    @Test
    void badValuesAreRefusedWithAMessageNamingTheKey() {
        for (ConfigKey key : TopicConfigs.all().values()) {
            String bad = badValueFor(key.type());
            assertThat(TopicConfigs.validate(key.name(), bad)).as(key.name())
                .hasValueSatisfying(message -> assertThat(message).contains(key.name() + "=" + bad));
            assertThatThrownBy(() -> key.parse(bad)).hasMessageContaining(key.name());
            assertThat(TopicConfigs.validate(key.name(), null)).as(key.name())
                .hasValueSatisfying(message -> assertThat(message).contains(key.name()));
        }
        assertThat(TopicConfigs.validate("no.such.config", "1")).hasValue("unknown topic config no.such.config");
    }

    @Test
    void rangesAndValueSetsAreKafkasOrNarrowerWhereWeirDoesLess() {
        assertThat(TopicConfigs.validate(TopicConfigs.RETENTION_MS, "-1")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.RETENTION_MS, "-2")).hasValueSatisfying(
            m -> assertThat(m).contains("at least -1"));
        assertThat(TopicConfigs.validate(TopicConfigs.MIN_INSYNC_REPLICAS, "0")).isPresent();
        // An int config must fit an int: the broker builds its log config from it.
        assertThat(TopicConfigs.validate(TopicConfigs.MAX_MESSAGE_BYTES, "2147483648")).isPresent();
        assertThat(TopicConfigs.validate(TopicConfigs.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.CLEANUP_POLICY, "compact")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.CLEANUP_POLICY, "compact,delete")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.CLEANUP_POLICY, "delete,compact")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.CLEANUP_POLICY, "compact,tidy")).hasValueSatisfying(
            m -> assertThat(m).contains("delete, compact or compact,delete"));
        assertThat(TopicConfigs.validate(TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE, "TRUE")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.SEGMENT_BYTES, "1048576")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.SEGMENT_BYTES, "1048575")).isPresent();
        assertThat(TopicConfigs.validate(TopicConfigs.MIN_CLEANABLE_DIRTY_RATIO, "0.1")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.MIN_CLEANABLE_DIRTY_RATIO, "1.1")).isPresent();
        assertThat(TopicConfigs.validate(TopicConfigs.COMPRESSION_GZIP_LEVEL, "-1")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.COMPRESSION_GZIP_LEVEL, "0")).isPresent();
        assertThat(TopicConfigs.validate(TopicConfigs.LEADER_REPLICATION_THROTTLED_REPLICAS, "0:1, 1:2")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.LEADER_REPLICATION_THROTTLED_REPLICAS, "*")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.LEADER_REPLICATION_THROTTLED_REPLICAS, "")).isEmpty();
        assertThat(TopicConfigs.validate(TopicConfigs.LEADER_REPLICATION_THROTTLED_REPLICAS, "0-1")).isPresent();
        assertThat(TopicConfigs.validate(TopicConfigs.REMOTE_STORAGE_ENABLE, "true")).hasValueSatisfying(
            m -> assertThat(m).contains("tiered storage"));
    }

    @Test
    void valuesAreTypedAndTrimmedAsKafkaParsesThem() {
        Map<String, String> topic = Map.of(TopicConfigs.RETENTION_MS, " 3600000 ",
            TopicConfigs.MIN_INSYNC_REPLICAS, "2", TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE, "True");
        assertThat(TopicConfigs.longValue(topic, TopicConfigs.RETENTION_MS)).isEqualTo(3_600_000L);
        assertThat(TopicConfigs.intValue(topic, TopicConfigs.MIN_INSYNC_REPLICAS)).isEqualTo(2);
        assertThat(TopicConfigs.booleanValue(topic, TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE)).isTrue();
        assertThat(TopicConfigs.longValue(topic, TopicConfigs.RETENTION_BYTES)).isEqualTo(-1L);
        assertThat(TopicConfigs.value(topic, TopicConfigs.CLEANUP_POLICY)).isEqualTo(List.of("delete"));
    }

    @Test
    void appliedAreTheConfigsThatShapeAPartitionLog() {
        assertThat(TopicConfigs.APPLIED).containsExactlyInAnyOrder(TopicConfigs.RETENTION_MS,
            TopicConfigs.RETENTION_BYTES, TopicConfigs.MAX_MESSAGE_BYTES, TopicConfigs.MESSAGE_TIMESTAMP_TYPE,
            TopicConfigs.CLEANUP_POLICY, TopicConfigs.DELETE_RETENTION_MS, TopicConfigs.MIN_COMPACTION_LAG_MS,
            TopicConfigs.MAX_COMPACTION_LAG_MS, TopicConfigs.MIN_CLEANABLE_DIRTY_RATIO, TopicConfigs.SEGMENT_MS,
            TopicConfigs.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, TopicConfigs.MESSAGE_TIMESTAMP_AFTER_MAX_MS);
        Set<String> notHonoured = TopicConfigs.all().values().stream().filter(k -> !k.honoured())
            .map(ConfigKey::name).collect(Collectors.toSet());
        assertThat(notHonoured).contains(TopicConfigs.SEGMENT_BYTES,
            TopicConfigs.COMPRESSION_TYPE)
            .doesNotContain(TopicConfigs.RETENTION_MS, TopicConfigs.MIN_INSYNC_REPLICAS,
                TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE);
        assertThat(TopicConfigs.all().values()).allSatisfy(key ->
            assertThat(key.honoured()).as(key.name()).isEqualTo(!notHonoured.contains(key.name())));
    }

    @Test
    void effectiveConfigsAreTheExplicitValuesOverTheDefaults() {
        Map<String, TopicConfigs.Value> effective = TopicConfigs.effective(Map.of(TopicConfigs.RETENTION_MS, "100"));
        assertThat(effective.keySet()).containsExactlyElementsOf(TopicConfigs.all().keySet());
        assertThat(effective.get(TopicConfigs.RETENTION_MS)).isEqualTo(new TopicConfigs.Value("100", false));
        assertThat(effective.get(TopicConfigs.RETENTION_BYTES)).isEqualTo(new TopicConfigs.Value("-1", true));
        assertThat(new ArrayList<>(effective.keySet())).isSorted();
    }
}
