package io.weir.broker.node;

import io.weir.broker.testing.Images;
import io.weir.broker.testing.TestBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A log belongs to a topic id, not a name, even across a restart of the node. */
class TopicIdOwnershipTest {
    @TempDir
    Path dataDir;

    @Test
    void aTopicRecreatedWhileTheNodeWasDownStartsEmpty() throws Exception {
        try (TestBroker broker = new TestBroker(1, dataDir)) {
            broker.metadata.publish(new Images().broker(1, broker.port())
                    .topic("reborn", new UUID(1, 1), 1, List.of(1)).build());
            assertThat(send(broker, "old-1")).isZero();
            assertThat(send(broker, "old-2")).isEqualTo(1);
        }
        try (TestBroker broker = new TestBroker(1, dataDir)) {
            broker.metadata.publish(new Images().broker(1, broker.port())
                    .topic("reborn", new UUID(2, 2), 1, List.of(1)).build());
            assertThat(send(broker, "new-1")).as("the old topic's records are gone").isZero();
        }
        try (TestBroker broker = new TestBroker(1, dataDir)) {
            broker.metadata.publish(new Images().broker(1, broker.port())
                    .topic("reborn", new UUID(2, 2), 1, List.of(1)).build());
            assertThat(send(broker, "new-2")).as("the same topic keeps its log across a restart").isEqualTo(1);
        }
    }

    private static long send(TestBroker broker, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000))) {
            return producer.send(new ProducerRecord<>("reborn", 0, null, value)).get(15, TimeUnit.SECONDS).offset();
        }
    }
}
