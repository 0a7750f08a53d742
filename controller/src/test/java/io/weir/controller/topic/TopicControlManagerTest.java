package io.weir.controller.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.Fixtures;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.record.ConfigResource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TopicControlManagerTest {
    private final Fixtures f = new Fixtures();

    @BeforeEach
    void threeBrokers() {
        f.addLiveBroker(1, null);
        f.addLiveBroker(2, null);
        f.addLiveBroker(3, null);
    }

    @Test
    void createsATopicWithLeadersInTheIsr() {
        CreateTopicResult r = f.createTopic("orders", 3, 2);
        assertThat(r.status()).isEqualTo(ApiStatus.OK);
        TopicImage t = f.image.topic("orders").orElseThrow();
        assertThat(t.id()).isEqualTo(r.topicId());
        assertThat(f.image.topic(r.topicId())).contains(t);
        assertThat(t.partitions()).hasSize(3);
        for (PartitionRegistration p : t.partitions().values()) {
            assertThat(p.replicas()).hasSize(2);
            assertThat(p.isr()).isEqualTo(p.replicas());
            assertThat(p.leader()).isEqualTo(p.replicas().get(0));
        }
    }

    @Test
    void rejectsWithKafkaErrors() {
        f.createTopic("orders", 1, 1);
        assertThat(f.createTopic("orders", 1, 1).status().error())
            .isEqualTo(ApiError.TOPIC_ALREADY_EXISTS);
        assertThat(f.createTopic("big", 1, 4).status().error())
            .isEqualTo(ApiError.INVALID_REPLICATION_FACTOR);
        assertThat(f.createTopic("zero", 0, 1).status().error())
            .isEqualTo(ApiError.INVALID_PARTITIONS);
        assertThat(f.createTopic("zero-rf", 1, 0).status().error())
            .isEqualTo(ApiError.INVALID_REPLICATION_FACTOR);
        for (String bad : List.of("", ".", "..", "a b", "x/y", "ü", "a".repeat(250))) {
            assertThat(f.createTopic(bad, 1, 1).status().error()).as(bad)
                .isEqualTo(ApiError.INVALID_TOPIC_EXCEPTION);
        }
        assertThat(f.createTopic("a".repeat(249), 1, 1).status().isOk()).isTrue();
        f.createTopic("my.topic", 1, 1);
        assertThat(f.createTopic("my_topic", 1, 1).status().error())
            .isEqualTo(ApiError.INVALID_TOPIC_EXCEPTION);
    }

    @Test
    void replicationFactorCountsOnlyUnfencedBrokers() {
        f.apply(f.brokers.heartbeat(f.image, new io.weir.controller.broker.BrokerHeartbeatRequest(
            3, f.image.broker(3).orElseThrow().epoch(), 0, true, false), 0));
        assertThat(f.createTopic("t", 1, 3).status().error())
            .isEqualTo(ApiError.INVALID_REPLICATION_FACTOR);
    }

    @Test
    void validatesConfigsAndStoresThem() {
        CreatableTopic bad = new CreatableTopic("c", 1, (short) 1, Map.of(),
            Map.of("cleanup.policy", "tidy"));
        assertThat(f.apply(f.topics.createTopics(f.image, List.of(bad), false)).get(0).status()
            .error()).isEqualTo(ApiError.INVALID_CONFIG);
        CreatableTopic good = new CreatableTopic("c", 1, (short) 1, Map.of(),
            Map.of("retention.ms", "60000"));
        f.apply(f.topics.createTopics(f.image, List.of(good), false));
        assertThat(f.image.configs(ConfigResource.topic("c"))).containsEntry("retention.ms", "60000");
    }

    @Test
    void validateOnlyWritesNothing() {
        var result = f.topics.createTopics(f.image, List.of(CreatableTopic.of("v", 1, 1)), true);
        assertThat(result.response().get(0).status().isOk()).isTrue();
        assertThat(result.records()).isEmpty();
    }

    @Test
    void explicitAssignmentsAreValidated() {
        CreatableTopic ok = new CreatableTopic("a", -1, (short) -1,
            Map.of(0, List.of(3, 1), 1, List.of(2, 3)), Map.of());
        assertThat(f.apply(f.topics.createTopics(f.image, List.of(ok), false)).get(0).status()
            .isOk()).isTrue();
        assertThat(f.image.topic("a").orElseThrow().partition(0).leader()).isEqualTo(3);
        CreatableTopic unknownBroker = new CreatableTopic("b", -1, (short) -1,
            Map.of(0, List.of(9)), Map.of());
        assertThat(f.apply(f.topics.createTopics(f.image, List.of(unknownBroker), false)).get(0)
            .status().error()).isEqualTo(ApiError.INVALID_REPLICA_ASSIGNMENT);
    }

    @Test
    void deletesTopicsAndTheirConfigs() {
        CreatableTopic t = new CreatableTopic("d", 2, (short) 1, Map.of(), Map.of("retention.ms", "1"));
        f.apply(f.topics.createTopics(f.image, List.of(t), false));
        Map<String, ApiStatus> r = f.apply(f.topics.deleteTopics(f.image, List.of("d", "nope")));
        assertThat(r.get("d")).isEqualTo(ApiStatus.OK);
        assertThat(r.get("nope").error()).isEqualTo(ApiError.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(f.image.topic("d")).isEmpty();
        assertThat(f.image.configs()).isEmpty();
        assertThat(f.createTopic("d", 1, 1).status().isOk()).isTrue();
    }

    @Test
    void createPartitionsOnlyGrows() {
        f.createTopic("g", 2, 2);
        Map<String, ApiStatus> r = f.apply(f.topics.createPartitions(f.image,
            List.of(new CreatePartitionsRequest("g", 5, null),
                new CreatePartitionsRequest("missing", 2, null)), false));
        assertThat(r.get("g")).isEqualTo(ApiStatus.OK);
        assertThat(r.get("missing").error()).isEqualTo(ApiError.UNKNOWN_TOPIC_OR_PARTITION);
        TopicImage g = f.image.topic("g").orElseThrow();
        assertThat(g.partitions()).hasSize(5);
        assertThat(g.partition(4).replicas()).hasSize(2);
        Map<String, ApiStatus> shrink = f.apply(f.topics.createPartitions(f.image,
            List.of(new CreatePartitionsRequest("g", 3, null)), false));
        assertThat(shrink.get("g").error()).isEqualTo(ApiError.INVALID_PARTITIONS);
    }
}
