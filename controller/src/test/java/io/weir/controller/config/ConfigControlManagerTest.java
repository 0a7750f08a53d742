package io.weir.controller.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.Fixtures;
import io.weir.controller.record.ConfigResource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigControlManagerTest {
    private final Fixtures f = new Fixtures();
    private final ConfigControlManager manager = new ConfigControlManager();
    private final ConfigResource topic = ConfigResource.topic("t");

    private ApiStatus alter(AlterConfigOp... ops) {
        return f.apply(manager.incrementalAlterConfigs(f.image, Map.of(topic, List.of(ops)), false))
            .get(topic);
    }

    @Test
    void setsAndDeletesKnownTopicConfigs() {
        f.addLiveBroker(1, null);
        f.createTopic("t", 1, 1);
        assertThat(alter(new AlterConfigOp("retention.ms", AlterConfigOp.OpType.SET, "100"),
            new AlterConfigOp("min.insync.replicas", AlterConfigOp.OpType.SET, "2"))).isEqualTo(ApiStatus.OK);
        assertThat(f.image.configs(topic)).containsEntry("retention.ms", "100")
            .containsEntry("min.insync.replicas", "2");
        assertThat(alter(new AlterConfigOp("retention.ms", AlterConfigOp.OpType.DELETE, null)))
            .isEqualTo(ApiStatus.OK);
        assertThat(f.image.configs(topic)).doesNotContainKey("retention.ms");
    }

    @Test
    void rejectsUnknownKeysBadValuesAndUnknownTopicsAtomically() {
        f.addLiveBroker(1, null);
        f.createTopic("t", 1, 1);
        ApiStatus bad = alter(new AlterConfigOp("retention.ms", AlterConfigOp.OpType.SET, "5"),
            new AlterConfigOp("cleanup.policy", AlterConfigOp.OpType.SET, "tidy"));
        assertThat(bad.error()).isEqualTo(ApiError.INVALID_CONFIG);
        assertThat(f.image.configs(topic)).isEmpty();
        assertThat(alter(new AlterConfigOp("no.such.key", AlterConfigOp.OpType.SET, "1")).error())
            .isEqualTo(ApiError.INVALID_CONFIG);
        assertThat(alter(new AlterConfigOp("min.insync.replicas", AlterConfigOp.OpType.SET, "0"))
            .error()).isEqualTo(ApiError.INVALID_CONFIG);
        assertThat(alter(new AlterConfigOp("message.timestamp.type", AlterConfigOp.OpType.SET,
            "LogAppendTime"))).isEqualTo(ApiStatus.OK);
        ConfigResource missing = ConfigResource.topic("missing");
        assertThat(f.apply(manager.incrementalAlterConfigs(f.image, Map.of(missing, List.of(
            new AlterConfigOp("retention.ms", AlterConfigOp.OpType.SET, "1"))), false)).get(missing)
            .error()).isEqualTo(ApiError.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void deletingWhatIsNotSetSucceedsAndWritesNothing() {
        f.addLiveBroker(1, null);
        f.createTopic("t", 1, 1);
        // What Kafka's reassignment tool sends on --verify to clear replication throttles.
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        var result = manager.incrementalAlterConfigs(f.image, Map.of(
            topic, List.of(new AlterConfigOp("leader.replication.throttled.replicas",
                AlterConfigOp.OpType.DELETE, null)),
            broker, List.of(new AlterConfigOp("leader.replication.throttled.rate",
                AlterConfigOp.OpType.DELETE, null))), false);
        assertThat(result.records()).isEmpty();
        assertThat(result.response()).containsEntry(topic, ApiStatus.OK).containsEntry(broker, ApiStatus.OK);
        assertThat(manager.incrementalAlterConfigs(f.image, Map.of(broker, List.of(new AlterConfigOp(
            "leader.replication.throttled.rate", AlterConfigOp.OpType.SET, "1000"))), false).response()
            .get(broker).error()).isEqualTo(ApiError.INVALID_REQUEST);
    }

    @Test
    void aBrokerIsMarkedDrainingUntilTheMarkIsDeletedOrItUnregisters() {
        f.addLiveBroker(1, null);
        f.addLiveBroker(2, null);
        ConfigResource broker2 = new ConfigResource(ConfigResource.Type.BROKER, "2");
        AlterConfigOp drain = new AlterConfigOp(ConfigControlManager.BROKER_DRAINING, AlterConfigOp.OpType.SET, "true");

        assertThat(f.apply(manager.incrementalAlterConfigs(f.image, Map.of(broker2, List.of(drain)), false)))
            .containsEntry(broker2, ApiStatus.OK);
        assertThat(ConfigControlManager.drainingBrokers(f.image)).containsExactly(2);

        ConfigResource unknown = new ConfigResource(ConfigResource.Type.BROKER, "9");
        assertThat(f.apply(manager.incrementalAlterConfigs(f.image, Map.of(unknown, List.of(drain)), false))
            .get(unknown).error()).isEqualTo(ApiError.BROKER_ID_NOT_REGISTERED);
        AlterConfigOp bad = new AlterConfigOp(ConfigControlManager.BROKER_DRAINING, AlterConfigOp.OpType.SET, "yes");
        assertThat(f.apply(manager.incrementalAlterConfigs(f.image, Map.of(broker2, List.of(bad)), false))
            .get(broker2).error()).isEqualTo(ApiError.INVALID_CONFIG);

        f.apply(f.brokers.unregister(f.image, 2));
        assertThat(ConfigControlManager.drainingBrokers(f.image)).isEmpty();
        assertThat(f.image.configs(broker2)).isEmpty();
    }
}
