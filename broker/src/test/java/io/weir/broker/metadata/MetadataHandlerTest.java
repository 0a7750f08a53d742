package io.weir.broker.metadata;

import io.weir.broker.api.ApiRegistry;
import io.weir.broker.network.KafkaServer;
import io.weir.broker.network.NetworkConfig;
import io.weir.broker.testing.Images;
import io.weir.broker.testing.RawKafkaClient;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetadataHandlerTest {
    private KafkaServer server;
    private MetadataCache cache;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        cache = new MetadataCache(1, "weir-test-cluster", () -> OptionalInt.of(1));
        ApiRegistry registry = ApiRegistry.builder()
                .add(ApiKeys.METADATA, 0, 13, new MetadataHandler(cache))
                .add(ApiKeys.DESCRIBE_CLUSTER, 0, 2, new DescribeClusterHandler(cache))
                .build();
        server = new KafkaServer(NetworkConfig.of("127.0.0.1", 0), registry);
        server.start();
        int port = server.boundAddress().getPort();
        cache.publish(new Images().broker(1, port).topic("orders", 3, 1).build());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    @AfterEach
    void stop() {
        if (admin != null) admin.close(java.time.Duration.ofSeconds(5));
        server.close();
    }

    @Test
    void adminDescribesTheClusterFromTheImage() throws Exception {
        DescribeClusterResult cluster = admin.describeCluster();
        assertThat(cluster.clusterId().get(15, TimeUnit.SECONDS)).isEqualTo("weir-test-cluster");
        assertThat(cluster.nodes().get(15, TimeUnit.SECONDS)).extracting(Node::id).containsExactly(1);
        assertThat(cluster.controller().get(15, TimeUnit.SECONDS).id()).isEqualTo(1);
    }

    @Test
    void adminListsAndDescribesTopics() throws Exception {
        assertThat(admin.listTopics().names().get(15, TimeUnit.SECONDS)).containsExactly("orders");
        TopicDescription orders = admin.describeTopics(List.of("orders")).allTopicNames()
                .get(15, TimeUnit.SECONDS).get("orders");
        assertThat(orders.partitions()).hasSize(3);
        assertThat(orders.partitions().get(2).leader().id()).isEqualTo(1);
        assertThat(orders.topicId()).isEqualTo(Ids.toKafka(cache.image().topic("orders").orElseThrow().id()));
    }

    @Test
    void everyAdvertisedMetadataVersionAnswers() throws Exception {
        try (RawKafkaClient client = new RawKafkaClient(server.boundAddress())) {
            for (short v = 0; v <= 13; v++) {
                // The builder refuses v0, which old clients still send, so build the data directly.
                MetadataRequest request = new MetadataRequest(new MetadataRequestData().setTopics(List.of(
                        new MetadataRequestData.MetadataRequestTopic().setName("orders"),
                        new MetadataRequestData.MetadataRequestTopic().setName("nope"))), v);
                MetadataResponse response = (MetadataResponse) client.roundTrip(
                        new RequestHeader(ApiKeys.METADATA, v, "raw", v), request);
                assertThat(response.brokers()).as("v%d", v).hasSize(1);
                assertThat(response.errors()).as("v%d", v).containsOnly(
                        Map.entry("nope", Errors.UNKNOWN_TOPIC_OR_PARTITION));
                assertThat(response.topicMetadata()).as("v%d", v).hasSize(2);
            }
        }
    }

    @Test
    void topicsAskedForByIdAreFoundWhateverTheName() throws Exception {
        org.apache.kafka.common.Uuid orders = Ids.toKafka(cache.image().topic("orders").orElseThrow().id());
        try (RawKafkaClient client = new RawKafkaClient(server.boundAddress())) {
            // As Kafka's consumer with a broker-side regex asks for its assigned topics: an id, the name left empty.
            MetadataRequest request = MetadataRequest.Builder.forTopicIds(java.util.Set.of(orders)).build((short) 12);
            MetadataResponse response = (MetadataResponse) client.roundTrip(
                    new RequestHeader(ApiKeys.METADATA, (short) 12, "raw", 1), request);
            assertThat(response.topicMetadata()).singleElement().satisfies(t -> {
                assertThat(t.error()).isEqualTo(Errors.NONE);
                assertThat(t.topic()).isEqualTo("orders");
                assertThat(t.partitionMetadata()).hasSize(3);
            });
        }
    }

    @Test
    void unknownTopicIsReportedAsSuch() {
        assertThatThrownBy(() -> admin.describeTopics(List.of("nope")).allTopicNames().get(15, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
    }
}
