package io.weir.controller;

import io.weir.controller.broker.BrokerControlManager;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerHeartbeatTracker;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreateTopicResult;
import io.weir.controller.topic.TopicControlManager;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * A tiny in-test cluster: managers plus an image that advances by replaying every result, the
 * way the controller does, with no threads.
 */
public final class Fixtures {
    public final BrokerControlManager brokers =
        new BrokerControlManager(new BrokerHeartbeatTracker(1000, Long.MAX_VALUE));
    public final TopicControlManager topics;
    public MetadataImage image = MetadataImage.EMPTY;
    public long nowMs;

    public Fixtures(long seed) {
        Random random = new Random(seed);
        this.topics = new TopicControlManager(ControllerConfig.DEFAULT,
            () -> new UUID(random.nextLong(), random.nextLong()));
    }

    public Fixtures() {
        this(42);
    }

    public <T> T apply(ControllerResult<T> result) {
        if (!result.records().isEmpty()) {
            image = image.apply(image.offset() + 1, result.records());
        }
        return result.response();
    }

    public static BrokerRegistrationRequest registration(int id, String rack) {
        return new BrokerRegistrationRequest(id, UUID.nameUUIDFromBytes(("b" + id).getBytes()),
            List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9000 + id, null)), rack);
    }

    /** Registers and unfences a broker; returns its epoch. */
    public long addLiveBroker(int id, String rack) {
        BrokerRegistrationReply reply = apply(brokers.register(image, registration(id, rack), nowMs));
        if (!reply.status().isOk()) {
            throw new AssertionError(reply);
        }
        apply(brokers.heartbeat(image,
            new BrokerHeartbeatRequest(id, reply.brokerEpoch(), image.offset(), false, false), nowMs));
        return reply.brokerEpoch();
    }

    public CreateTopicResult createTopic(String name, int partitions, int rf) {
        return apply(topics.createTopics(image, List.of(CreatableTopic.of(name, partitions, rf)),
            false)).get(0);
    }
}
