package io.weir.broker.produce;

import io.weir.broker.testing.Images;
import io.weir.broker.testing.RawKafkaClient;
import io.weir.broker.testing.TestBroker;
import io.weir.storage.PartitionLog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Produce paths that must fail the Kafka way and leave the log untouched. */
class ProduceErrorsTest {
    @TempDir
    Path dataDir;
    private TestBroker broker;
    private Images images;
    private int correlationId;
    /**
     * Long enough that the test sees the request parked before it expires, below RawKafkaClient's
     * 10 s read timeout.
     */
    private static final int ACKS_ALL_TIMEOUT_MS = 5_000;

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(1, dataDir);
        images = new Images().broker(1, broker.port()).broker(2, 1)
                .topic("events", 1, 1)
                .topic("strict", 1, 1).topicConfig("strict", "min.insync.replicas", "2")
                .topic("replicated", 1, List.of(1, 2));
        broker.metadata.publish(images.build());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void corruptBatchIsRejectedAndNothingIsWritten() throws Exception {
        MemoryRecords records = records("a", "b");
        records.buffer().put(records.sizeInBytes() - 1, (byte) (records.buffer().get(records.sizeInBytes() - 1) ^ 0x5a));
        assertThat(produce("events", records, (short) 1, 10_000).errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());
        assertThat(produce("events", records("c"), (short) 1, 10_000).baseOffset()).isZero();
    }

    @Test
    void idempotentRetryIsAcknowledgedOnceAndASequenceGapIsRefused() throws Exception {
        long producerId = 4242;
        MemoryRecords first = idempotent(producerId, 0, "a", "b");
        assertThat(produce("events", first, (short) -1, 10_000).baseOffset()).isZero();
        // The same batch again (a retry after a lost response): same offsets, nothing appended.
        PartitionProduceResponse retry = produce("events", idempotent(producerId, 0, "a", "b"), (short) -1, 10_000);
        assertThat(retry.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(retry.baseOffset()).isZero();
        // Sequence 5 after 0..1 skips 2..4.
        assertThat(produce("events", idempotent(producerId, 5, "gap"), (short) -1, 10_000).errorCode())
                .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
        assertThat(produce("events", idempotent(producerId, 2, "c"), (short) -1, 10_000).baseOffset()).isEqualTo(2);
    }

    @Test
    void acksAllIsRefusedWhileTheIsrIsBelowMinInsyncReplicas() throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("strict", "v")).get(15, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NotEnoughReplicasException.class);
        }
        // acks=1 does not need the ISR, and gets offset 0: the refused batch was not written.
        assertThat(produce("strict", records("x"), (short) 1, 10_000).baseOffset()).isZero();
    }

    @Test
    void acksAllWaitsForTheFollowerAndTimesOutWhenItDoesNotReplicate() throws Exception {
        TopicPartition tp = new TopicPartition("replicated", 0);
        CompletableFuture<PartitionProduceResponse> waiting =
                produceAsync("replicated", records("waits"), (short) -1, ACKS_ALL_TIMEOUT_MS);
        awaitParked(tp);
        // Appended on the leader but not acknowledged: follower 2 never fetched it, so the HW stayed.
        PartitionLog log = broker.logs.get(tp).orElseThrow();
        assertThat(log.logEndOffset()).isEqualTo(1);
        assertThat(log.highWatermark()).isZero();
        assertThat(waiting).isNotDone();

        assertThat(waiting.get(30, TimeUnit.SECONDS).errorCode()).isEqualTo(Errors.REQUEST_TIMED_OUT.code());
        assertThat(log.highWatermark()).as("a timed-out acks=all write is not committed").isZero();
    }

    @Test
    void acksAllWaitingOnAFormerLeaderIsToldToFindTheNewOne() throws Exception {
        CompletableFuture<PartitionProduceResponse> waiting =
                produceAsync("replicated", records("orphan"), (short) -1, 60_000);
        awaitParked(new TopicPartition("replicated", 0));

        broker.metadata.publish(images.leader("replicated", 0, 2, 1).build());
        assertThat(waiting.get(10, TimeUnit.SECONDS).errorCode()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER.code());
    }

    @Test
    void offsetForLeaderEpochReportsWhereTheEpochEnds() throws Exception {
        produce("events", records("1", "2", "3"), (short) 1, 10_000);
        assertThat(endOffset(0, 0).endOffset()).isEqualTo(3);
        assertThat(endOffset(0, 0).leaderEpoch()).isZero();
        assertThat(endOffset(1, 0).errorCode()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH.code());
    }

    private EpochEndOffset endOffset(int currentLeaderEpoch, int leaderEpoch) throws Exception {
        OffsetForLeaderEpochRequestData data = new OffsetForLeaderEpochRequestData().setReplicaId(-1);
        data.topics().add(new OffsetForLeaderTopic().setTopic("events").setPartitions(List.of(
                new OffsetForLeaderPartition().setPartition(0).setCurrentLeaderEpoch(currentLeaderEpoch)
                        .setLeaderEpoch(leaderEpoch))));
        try (RawKafkaClient client = new RawKafkaClient(broker.server.boundAddress())) {
            OffsetsForLeaderEpochResponse response = (OffsetsForLeaderEpochResponse) client.roundTrip(
                    new RequestHeader(ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) 4, "raw", ++correlationId),
                    new OffsetsForLeaderEpochRequest(data, (short) 4));
            return response.data().topics().find("events").partitions().get(0);
        }
    }

    /** Waits (bounded) until one request is parked in purgatory on {@code tp}, that is, not answered yet. */
    private void awaitParked(TopicPartition tp) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.replicas.purgatory().watching(tp) == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(broker.replicas.purgatory().watching(tp)).as("requests parked on " + tp).isEqualTo(1);
    }

    private CompletableFuture<PartitionProduceResponse> produceAsync(String topic, MemoryRecords records, short acks,
                                                                     int timeoutMs) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return produce(topic, records, acks, timeoutMs);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    private PartitionProduceResponse produce(String topic, MemoryRecords records, short acks, int timeoutMs)
            throws Exception {
        ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(timeoutMs);
        ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData().setName(topic);
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        data.topicData().add(topicData);
        try (RawKafkaClient client = new RawKafkaClient(broker.server.boundAddress())) {
            ProduceResponse response = (ProduceResponse) client.roundTrip(
                    new RequestHeader(ApiKeys.PRODUCE, (short) 9, "raw", ++correlationId),
                    new ProduceRequest(data, (short) 9));
            return response.data().responses().iterator().next().partitionResponses().get(0);
        }
    }

    private static MemoryRecords idempotent(long producerId, int baseSequence, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0, baseSequence, records);
    }

    private static MemoryRecords records(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }
}
