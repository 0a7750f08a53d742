package io.weir.broker.node;

import io.weir.broker.metadata.Ids;
import io.weir.broker.testing.RawKafkaClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ApiVersions must advertise exactly what works: every advertised version of every API gets a
 * well-formed request and must get a parseable answer without errors the request did not earn.
 * Non-Java clients use old versions (librdkafka sent ListOffsets v2, whose answer once failed
 * to encode), so this covers the whole range, not only what kafka-clients picks.
 */
class AllApiVersionsTest {
    @TempDir
    Path dir;
    private WeirNode node;
    private Uuid topicId;
    private int correlationId;

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: versions
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                broker.heartbeat.interval.ms: 100
                group.initial.rebalance.delay.ms: 0
                """.formatted(dir.resolve("node-1"))));
        node.awaitReady(Duration.ofSeconds(30));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000))) {
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
            // The group coordinator exists once __consumer_offsets is created and loaded; the
            // client retries COORDINATOR_NOT_AVAILABLE / LOAD_IN_PROGRESS until then.
            admin.listConsumerGroupOffsets("offsets").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        }
        topicId = Ids.toKafka(node.metadata().image().topic("t").orElseThrow().id());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void everyAdvertisedVersionOfEveryApiAnswers() throws Exception {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        try (RawKafkaClient client = new RawKafkaClient(node.metadata() == null ? null
                : new java.net.InetSocketAddress("127.0.0.1", node.kafkaPort()))) {
            ApiVersionsResponse versions = (ApiVersionsResponse) client.roundTrip(ApiKeys.API_VERSIONS, (short) 3,
                    ++correlationId, new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"));
            for (ApiVersionsResponseData.ApiVersion advertised : versions.data().apiKeys()) {
                ApiKeys api = ApiKeys.forId(advertised.apiKey());
                for (short v = advertised.minVersion(); v <= advertised.maxVersion(); v++) {
                    ApiMessage request = request(api, v);
                    if (request == null) continue;
                    checked++;
                    try {
                        AbstractResponse response = client.roundTrip(api, v, ++correlationId, request);
                        Map<Errors, Integer> errors = new java.util.HashMap<>(response.errorCounts());
                        errors.keySet().removeAll(expectedErrors(api));
                        if (!errors.isEmpty()) failures.add(api + " v" + v + ": " + errors);
                    } catch (Exception e) {
                        failures.add(api + " v" + v + ": " + e);
                        client.close();
                        return;
                    }
                }
            }
        } finally {
            assertThat(failures).isEmpty();
        }
        assertThat(checked).isGreaterThan(60);
    }

    private static List<Errors> expectedErrors(ApiKeys api) {
        return switch (api) {
            case BROKER_HEARTBEAT -> List.of(Errors.NONE, Errors.STALE_BROKER_EPOCH, Errors.BROKER_ID_NOT_REGISTERED);
            case JOIN_GROUP -> List.of(Errors.NONE, Errors.MEMBER_ID_REQUIRED);
            case SYNC_GROUP, HEARTBEAT, LEAVE_GROUP -> List.of(Errors.NONE, Errors.UNKNOWN_MEMBER_ID);
            case DESCRIBE_GROUPS, DELETE_GROUPS -> List.of(Errors.NONE, Errors.GROUP_ID_NOT_FOUND);
            case ELECT_LEADERS -> List.of(Errors.NONE, Errors.ELECTION_NOT_NEEDED);
            default -> List.of(Errors.NONE);
        };
    }

    /** A request that succeeds at version {@code v}, or null for APIs covered elsewhere. */
    private ApiMessage request(ApiKeys api, short v) {
        String fresh = "v" + api.id + "-" + v;
        return switch (api) {
            case API_VERSIONS -> new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1");
            case METADATA -> new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic()
                    .setName("t").setTopicId(v >= 10 ? topicId : Uuid.ZERO_UUID)));
            case PRODUCE -> {
                ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
                ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData();
                if (v >= 13) topic.setTopicId(topicId);
                else topic.setName("t");
                topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                        MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(System.currentTimeMillis(), null,
                                ("produce v" + v).getBytes(StandardCharsets.UTF_8)))));
                data.topicData().add(topic);
                yield data;
            }
            case FETCH -> {
                FetchRequestData data = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                        .setSessionId(0).setSessionEpoch(-1);
                if (v < 15) data.setReplicaId(-1);
                FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic();
                if (v >= 13) topic.setTopicId(topicId);
                else topic.setTopic("t");
                topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                        .setPartitionMaxBytes(1 << 20));
                data.topics().add(topic);
                yield data;
            }
            case LIST_OFFSETS -> new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                    new ListOffsetsRequestData.ListOffsetsTopic().setName("t").setPartitions(List.of(
                            new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)))));
            case OFFSET_FOR_LEADER_EPOCH -> {
                OffsetForLeaderEpochRequestData data = new OffsetForLeaderEpochRequestData();
                if (v >= 3) data.setReplicaId(-1);
                data.topics().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("t")
                        .setPartitions(List.of(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
                                .setPartition(0).setCurrentLeaderEpoch(-1).setLeaderEpoch(0))));
                yield data;
            }
            case INIT_PRODUCER_ID -> new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000);
            case DESCRIBE_CLUSTER -> new DescribeClusterRequestData();
            case CREATE_TOPICS -> {
                CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(10_000);
                data.topics().add(new CreateTopicsRequestData.CreatableTopic().setName(fresh)
                        .setNumPartitions(1).setReplicationFactor((short) 1));
                yield data;
            }
            case CREATE_PARTITIONS -> {
                CreatePartitionsRequestData data = new CreatePartitionsRequestData().setTimeoutMs(10_000);
                // Each version grows "t" by one partition.
                data.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("t")
                        .setCount(node.metadata().image().topic("t").orElseThrow().partitionCount() + 1).setAssignments(null));
                yield data;
            }
            case DELETE_TOPICS -> {
                String victim = "victim-" + v;
                createTopic(victim);
                DeleteTopicsRequestData data = new DeleteTopicsRequestData().setTimeoutMs(10_000);
                if (v >= 6) data.topics().add(new DeleteTopicsRequestData.DeleteTopicState().setName(victim));
                else data.setTopicNames(List.of(victim));
                yield data;
            }
            case DESCRIBE_CONFIGS -> new DescribeConfigsRequestData().setResources(List.of(
                    new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 2).setResourceName("t")
                            .setConfigurationKeys(null)));
            case INCREMENTAL_ALTER_CONFIGS -> {
                IncrementalAlterConfigsRequestData data = new IncrementalAlterConfigsRequestData();
                IncrementalAlterConfigsRequestData.AlterConfigsResource resource = new IncrementalAlterConfigsRequestData
                        .AlterConfigsResource().setResourceType((byte) 2).setResourceName("t");
                resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("retention.ms")
                        .setConfigOperation((byte) 0).setValue(Integer.toString(3_600_000 + v)));
                data.resources().add(resource);
                yield data;
            }
            case BROKER_HEARTBEAT -> new BrokerHeartbeatRequestData().setBrokerId(1).setBrokerEpoch(-5)
                    .setCurrentMetadataOffset(0);
            case FIND_COORDINATOR -> v < 4 ? new FindCoordinatorRequestData().setKey("g").setKeyType((byte) 0)
                    : new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("g"));
            case JOIN_GROUP -> {
                JoinGroupRequestData data = new JoinGroupRequestData().setGroupId("join-" + v).setMemberId("")
                        .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocolType("consumer");
                data.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                        .setMetadata(new byte[0]));
                yield data;
            }
            case SYNC_GROUP -> new SyncGroupRequestData().setGroupId("nobody").setGenerationId(1).setMemberId("m")
                    .setProtocolType(v >= 5 ? "consumer" : null).setProtocolName(v >= 5 ? "range" : null);
            case HEARTBEAT -> new HeartbeatRequestData().setGroupId("nobody").setGenerationId(1).setMemberId("m");
            case LEAVE_GROUP -> v < 3 ? new LeaveGroupRequestData().setGroupId("nobody").setMemberId("m")
                    : new LeaveGroupRequestData().setGroupId("nobody").setMembers(List.of(
                            new LeaveGroupRequestData.MemberIdentity().setMemberId("m")));
            case OFFSET_COMMIT -> new OffsetCommitRequestData().setGroupId("offsets").setGenerationIdOrMemberEpoch(-1)
                    .setMemberId("").setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t")
                            .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                    .setPartitionIndex(0).setCommittedOffset(v)))));
            case OFFSET_FETCH -> v < 8
                    ? new OffsetFetchRequestData().setGroupId("offsets").setTopics(List.of(
                            new OffsetFetchRequestData.OffsetFetchRequestTopic().setName("t").setPartitionIndexes(List.of(0))))
                    : new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                            .setGroupId("offsets").setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                                    .setName("t").setPartitionIndexes(List.of(0))))));
            case LIST_GROUPS -> new ListGroupsRequestData();
            case DESCRIBE_GROUPS -> new DescribeGroupsRequestData().setGroups(List.of("nobody", "offsets"));
            case DELETE_GROUPS -> new DeleteGroupsRequestData().setGroupsNames(List.of("nobody"));
            // An empty group's offsets (committed above: OffsetCommit's key comes first).
            case OFFSET_DELETE -> new OffsetDeleteRequestData().setGroupId("offsets").setTopics(
                    new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection(List.of(
                            new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName("t").setPartitions(List.of(
                                    new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))))
                            .iterator()));
            case ALTER_PARTITION_REASSIGNMENTS -> new AlterPartitionReassignmentsRequestData().setTimeoutMs(10_000)
                    .setTopics(List.of(new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName("t")
                            .setPartitions(List.of(new AlterPartitionReassignmentsRequestData.ReassignablePartition()
                                    .setPartitionIndex(0).setReplicas(List.of(1))))));
            case LIST_PARTITION_REASSIGNMENTS -> new ListPartitionReassignmentsRequestData().setTimeoutMs(10_000)
                    .setTopics(null);
            case ELECT_LEADERS -> {
                ElectLeadersRequestData data = new ElectLeadersRequestData().setTimeoutMs(10_000);
                // The one replica leads already: ELECTION_NOT_NEEDED for the partition asked for.
                data.topicPartitions().add(new ElectLeadersRequestData.TopicPartitions().setTopic("t")
                        .setPartitions(List.of(0)));
                yield data;
            }
            case DESCRIBE_LOG_DIRS -> new DescribeLogDirsRequestData().setTopics(null);
            // Up to the high watermark (-1), which moves nothing the other requests need.
            case DELETE_RECORDS -> new DeleteRecordsRequestData().setTimeoutMs(10_000).setTopics(List.of(
                    new DeleteRecordsRequestData.DeleteRecordsTopic().setName("t").setPartitions(List.of(
                            new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(-1)))));
            default -> null; // BrokerRegistration would register a broker; covered by the cluster tests
        };
    }

    private void createTopic(String name) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000))) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
