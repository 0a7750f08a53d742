package io.weir.broker.produce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.broker.testing.Images;
import io.weir.broker.testing.TestBroker;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's record timestamp bounds with a real kafka-clients producer: a CreateTime record stamped more
 * than {@code message.timestamp.after.max.ms} (Kafka 4's default: an hour) ahead of the leader's clock,
 * or more than {@code message.timestamp.before.max.ms} behind it, fails with InvalidTimestampException
 * and is not written; the records of its batch that were in bounds fail with the producer's generic
 * error (the response names the bad ones); a LogAppendTime topic overwrites timestamps instead.
 */
class TimestampBoundsProduceTest {
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;

    @TempDir
    Path dataDir;
    private TestBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(1, dataDir);
        broker.metadata.publish(new Images().broker(1, broker.port())
                .topic("events", 1, 1)
                .topic("recent", 1, 1).topicConfig("recent", "message.timestamp.before.max.ms", Long.toString(DAY))
                .topic("appended", 1, 1).topicConfig("appended", "message.timestamp.type", "LogAppendTime")
                .topic("compacted", 1, 1).topicConfig("compacted", "cleanup.policy", "compact")
                .build());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private KafkaProducer<String, String> producer(int lingerMs) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.LINGER_MS_CONFIG, lingerMs,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false));
    }

    private static RecordMetadata send(KafkaProducer<String, String> p, String topic, long timestamp) throws Exception {
        return p.send(new ProducerRecord<>(topic, 0, timestamp, null, "v")).get(30, TimeUnit.SECONDS);
    }

    @Test
    void aFutureTimestampPastKafkasDefaultBoundIsRefused() throws Exception {
        try (KafkaProducer<String, String> p = producer(0)) {
            long now = System.currentTimeMillis();
            assertThatThrownBy(() -> send(p, "events", now + 2 * HOUR)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(InvalidTimestampException.class);
            // No bound into the past by default; and the refused record was not written.
            assertThat(send(p, "events", now - 365 * DAY).offset()).isZero();
            assertThat(send(p, "events", System.currentTimeMillis()).offset()).isEqualTo(1);
        }
    }

    @Test
    void aTopicsBeforeMaxMsRefusesOldTimestamps() throws Exception {
        try (KafkaProducer<String, String> p = producer(0)) {
            long now = System.currentTimeMillis();
            assertThatThrownBy(() -> send(p, "recent", now - 2 * DAY)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(InvalidTimestampException.class);
            assertThat(send(p, "recent", now - HOUR).offset()).isZero();
        }
    }

    @Test
    void onlyTheRecordsOutOfBoundsGetTheTimestampError() throws Exception {
        try (KafkaProducer<String, String> p = producer(500)) {
            long now = System.currentTimeMillis();
            // One batch of three (linger), the middle one a day ahead.
            Future<RecordMetadata> first = p.send(new ProducerRecord<>("events", 0, now, null, "a"));
            Future<RecordMetadata> bad = p.send(new ProducerRecord<>("events", 0, now + DAY, null, "b"));
            Future<RecordMetadata> last = p.send(new ProducerRecord<>("events", 0, now, null, "c"));
            p.flush();
            assertThatThrownBy(() -> bad.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidTimestampException.class);
            for (Future<RecordMetadata> ok : new Future[] {first, last}) {
                assertThatThrownBy(() -> ok.get(30, TimeUnit.SECONDS)).hasCauseExactlyInstanceOf(KafkaException.class);
            }
            assertThat(send(p, "events", now).offset()).as("nothing of the refused batch was written").isZero();
        }
    }

    /**
     * Kafka reports every refused record of a batch: on a compacted topic a keyless record and one
     * out of bounds are both named (under INVALID_TIMESTAMP when any timestamp is refused:
     * RecordTimestampBoundsTest); keyless records alone are INVALID_RECORD, still per record.
     */
    @Test
    void keylessAndOutOfBoundsRecordsOfACompactedTopicAreEachRefused() throws Exception {
        try (KafkaProducer<String, String> p = producer(500)) {
            long now = System.currentTimeMillis();
            Future<RecordMetadata> keyless = p.send(new ProducerRecord<>("compacted", 0, now, null, "a"));
            Future<RecordMetadata> future = p.send(new ProducerRecord<>("compacted", 0, now + DAY, "k", "b"));
            Future<RecordMetadata> fine = p.send(new ProducerRecord<>("compacted", 0, now, "k", "c"));
            p.flush();
            // With more than one record error, kafka-clients fails each named record with
            // InvalidRecordException and its own message, whatever the partition's error code.
            assertThatThrownBy(() -> keyless.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.InvalidRecordException.class)
                    .hasMessageContaining("without key");
            assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.InvalidRecordException.class)
                    .hasMessageContaining("out of range");
            assertThatThrownBy(() -> fine.get(30, TimeUnit.SECONDS)).hasCauseExactlyInstanceOf(KafkaException.class);

            Future<RecordMetadata> keyless2 = p.send(new ProducerRecord<>("compacted", 0, now, null, "d"));
            Future<RecordMetadata> fine2 = p.send(new ProducerRecord<>("compacted", 0, now, "k", "e"));
            p.flush();
            assertThatThrownBy(() -> keyless2.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.InvalidRecordException.class)
                    .hasMessageContaining("without key");
            assertThatThrownBy(() -> fine2.get(30, TimeUnit.SECONDS)).hasCauseExactlyInstanceOf(KafkaException.class);
            assertThat(p.send(new ProducerRecord<>("compacted", 0, now, "k", "f")).get(30, TimeUnit.SECONDS).offset())
                    .as("nothing of the refused batches was written").isZero();
        }
    }

    @Test
    void aLogAppendTimeTopicOverwritesTimestampsInsteadOfRefusingThem() throws Exception {
        try (KafkaProducer<String, String> p = producer(0)) {
            long before = System.currentTimeMillis();
            RecordMetadata m = send(p, "appended", before + 10 * DAY);
            assertThat(m.offset()).isZero();
            assertThat(m.timestamp()).isBetween(before, System.currentTimeMillis());
        }
    }
}
