package io.weir.broker.produce;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.broker.testing.Images;
import io.weir.broker.testing.RawKafkaClient;
import io.weir.broker.testing.TestBroker;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.utils.Crc32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers the node must not trust: a produce request with a partition that carries no
 * records, a client writing the internal offsets topic, and a client posing as a follower to
 * move the high watermark. Each gets its Kafka error, and nothing else changes.
 */
class UntrustedWritersTest {
    @TempDir
    Path dataDir;
    private TestBroker broker;
    private RawKafkaClient client;
    private int correlationId;

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(1, dataDir);
        // Brokers 2 and 3 are registered (epoch 1, as Images registers every broker) but never fetch.
        broker.metadata.publish(new Images().broker(1, broker.port()).broker(2, 1).broker(3, 1)
                .topic("events", 2, 1)
                .topic("__consumer_offsets", 1, 1)
                .topic("replicated", 1, List.of(1, 2))
                .build());
        client = new RawKafkaClient(new InetSocketAddress("127.0.0.1", broker.port()));
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        broker.close();
    }

    @Test
    void aPartitionWithoutRecordsFailsAloneAndTheRequestIsAnswered() throws Exception {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("events");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records("a")));
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(1).setRecords(null));
        request.topicData().add(topic);

        ProduceResponse response = (ProduceResponse) client.roundTrip(ApiKeys.PRODUCE, (short) 9, ++correlationId, request);

        List<PartitionProduceResponse> answers = response.data().responses().iterator().next().partitionResponses();
        assertThat(answers).extracting(PartitionProduceResponse::index, PartitionProduceResponse::errorCode)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, Errors.NONE.code()),
                        org.assertj.core.groups.Tuple.tuple(1, Errors.CORRUPT_MESSAGE.code()));
        assertThat(client.closedByServer()).as("the connection stays open").isFalse();
    }

    @Test
    void malformedBatchesGetTheirKafkaErrorAndTheNodeKeepsServing() throws Exception {
        MemoryRecords hugeLength = records("a");
        hugeLength.buffer().putInt(8, Integer.MAX_VALUE); // the batch length field
        assertThat(produce("events", hugeLength, (short) 3).errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());

        MemoryRecords codec7 = records("b");
        ByteBuffer batch = codec7.buffer();
        batch.putShort(21, (short) ((batch.getShort(21) & ~0x07) | 7)); // attributes: compression codec id 7
        batch.putInt(17, (int) Crc32C.compute(batch, 21, batch.limit() - 21)); // a valid CRC over the change
        for (short version : new short[] {3, 9}) {
            assertThat(produce("events", codec7, version).errorCode()).as("produce v%d", version)
                    .isEqualTo(Errors.UNSUPPORTED_COMPRESSION_TYPE.code());
        }

        assertThat(produce("events", records("c"), (short) 9).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(latestOffset("events")).as("only the valid record was written").isEqualTo(1);
    }

    @Test
    void clientsCannotWriteTheOffsetsTopic() throws Exception {
        PartitionProduceResponse answer = produce("__consumer_offsets", (short) 1);
        assertThat(answer.errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(latestOffset("__consumer_offsets")).isZero();
    }

    @Test
    void aClientPosingAsAFollowerCannotMoveTheHighWatermark() throws Exception {
        assertThat(produce("replicated", (short) 1).errorCode()).isEqualTo(Errors.NONE.code());

        assertThat(fetchAsReplica(2, 999)).as("a broker epoch broker 2 never registered with")
                .isEqualTo(Errors.STALE_BROKER_EPOCH);
        assertThat(fetchAsReplica(3, 1)).as("a broker that is no replica").isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(latestOffset("replicated")).as("nothing became visible to consumers").isZero();

        assertThat(fetchAsReplica(2, 1)).as("the registered follower").isEqualTo(Errors.NONE);
        assertThat(latestOffset("replicated")).isEqualTo(1);
    }

    private PartitionProduceResponse produce(String topic, short acks) throws Exception {
        ProduceRequestData request = new ProduceRequestData().setAcks(acks).setTimeoutMs(10_000);
        request.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(records("x")))));
        ProduceResponse response = (ProduceResponse) client.roundTrip(ApiKeys.PRODUCE, (short) 9, ++correlationId, request);
        return response.data().responses().iterator().next().partitionResponses().get(0);
    }

    /** An acks=1 produce of {@code records} exactly as given, to partition 0. */
    private PartitionProduceResponse produce(String topic, MemoryRecords records, short version) throws Exception {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
        request.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(records))));
        ProduceResponse response = (ProduceResponse) client.roundTrip(ApiKeys.PRODUCE, version, ++correlationId, request);
        return response.data().responses().iterator().next().partitionResponses().get(0);
    }

    /** A replica fetch of replicated-0 from offset 1 (as if the follower had the first record). */
    private Errors fetchAsReplica(int replicaId, long replicaEpoch) throws Exception {
        Uuid topicId = kafkaId(UUID.nameUUIDFromBytes("replicated".getBytes(StandardCharsets.UTF_8)));
        FetchRequestData request = new FetchRequestData()
                .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(replicaId).setReplicaEpoch(replicaEpoch))
                .setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopicId(topicId).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(1)
                                .setPartitionMaxBytes(1 << 20)))));
        FetchResponse response = (FetchResponse) client.roundTrip(ApiKeys.FETCH, (short) 17, ++correlationId, request);
        return Errors.forCode(response.data().responses().get(0).partitions().get(0).errorCode());
    }

    /** What a consumer sees as the end of the partition: the high watermark. */
    private long latestOffset(String topic) throws Exception {
        ListOffsetsRequestData request = new ListOffsetsRequestData().setReplicaId(-1)
                .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(topic).setPartitions(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                                .setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP)))));
        ListOffsetsResponse response = (ListOffsetsResponse) client.roundTrip(ApiKeys.LIST_OFFSETS, (short) 7,
                ++correlationId, request);
        return response.data().topics().get(0).partitions().get(0).offset();
    }

    private static MemoryRecords records(String value) {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)));
    }

    private static Uuid kafkaId(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
