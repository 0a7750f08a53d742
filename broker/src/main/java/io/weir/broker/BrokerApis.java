package io.weir.broker;

import io.weir.broker.admin.AlterClientQuotasHandler;
import io.weir.broker.admin.AlterPartitionReassignmentsHandler;
import io.weir.broker.admin.ControllerForwarder;
import io.weir.broker.admin.CreatePartitionsHandler;
import io.weir.broker.admin.CreateTopicsHandler;
import io.weir.broker.admin.DeleteRecordsHandler;
import io.weir.broker.admin.DeleteTopicsHandler;
import io.weir.broker.admin.DescribeClientQuotasHandler;
import io.weir.broker.admin.DescribeConfigsHandler;
import io.weir.broker.admin.DescribeLogDirsHandler;
import io.weir.broker.admin.DescribeProducersHandler;
import io.weir.broker.admin.ElectLeadersHandler;
import io.weir.broker.admin.IncrementalAlterConfigsHandler;
import io.weir.broker.admin.ListPartitionReassignmentsHandler;
import io.weir.broker.admin.StaticBrokerConfig;
import io.weir.broker.admin.UnregisterBrokerHandler;
import io.weir.broker.api.ApiRegistry;
import io.weir.broker.fetch.FetchHandler;
import io.weir.broker.fetch.ListOffsetsHandler;
import io.weir.broker.fetch.session.FetchSessionCache;
import io.weir.broker.fetch.session.FetchSessions;
import io.weir.broker.fetch.OffsetForLeaderEpochHandler;
import io.weir.broker.metadata.DescribeClusterHandler;
import io.weir.broker.metadata.MetadataHandler;
import io.weir.broker.metadata.MetadataView;
import io.weir.broker.metadata.TopicAutoCreator;
import io.weir.broker.produce.InitProducerIdHandler;
import io.weir.broker.produce.ProduceHandler;
import io.weir.broker.produce.ProducerIdAllocator;
import io.weir.broker.quota.ClientQuotas;
import io.weir.broker.quota.ControllerMutationQuotas;
import io.weir.broker.quota.QuotaEnforcement;
import io.weir.broker.security.acl.Authorization;
import io.weir.replication.ReplicaManager;
import io.weir.controller.QuorumController;
import org.apache.kafka.common.protocol.ApiKeys;

import java.util.List;

/**
 * The Kafka APIs a node serves on its client listener, and the versions of each. This is the
 * one list; ApiVersions advertises exactly it. Version floors are those of kafka-clients 4.x
 * (older versions were removed from the protocol by KIP-896).
 */
public final class BrokerApis {
    private BrokerApis() {
    }

    /**
     * Every API of the client listener: data plane, metadata, and admin through the controller
     * ({@code forwarder} takes the admin requests clients send to any broker to the active one;
     * {@code brokerConfigs} are this node's settings, which DescribeConfigs reports; {@code quotas}
     * throttles clients over their produce and fetch byte rates (CreateTopics, DeleteTopics and
     * CreatePartitions count partitions against {@code controller_mutation_rate} quotas, see
     * {@link ControllerMutationQuotas}); {@code authorization} checks each
     * resource of the APIs that name many, see {@code ApiAuthorization}).
     */
    public static ApiRegistry.Builder all(MetadataView metadata, ReplicaManager replicas,
                                          ProducerIdAllocator producerIds, QuorumController controller,
                                          TopicAutoCreator autoCreator, ControllerForwarder forwarder,
                                          List<StaticBrokerConfig> brokerConfigs, ClientQuotas quotas,
                                          Authorization authorization, FetchSessions fetchSessions) {
        ControllerMutationQuotas mutationQuotas = new ControllerMutationQuotas(metadata::image, System::currentTimeMillis);
        return dataPlane(metadata, replicas, producerIds, autoCreator, quotas, authorization, fetchSessions)
                .add(ApiKeys.CREATE_TOPICS, 2, 7, new CreateTopicsHandler(controller, authorization, mutationQuotas))
                .add(ApiKeys.DELETE_TOPICS, 1, 6, new DeleteTopicsHandler(controller, authorization, mutationQuotas))
                .add(ApiKeys.CREATE_PARTITIONS, 0, 3, new CreatePartitionsHandler(controller, authorization, mutationQuotas))
                .add(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1, new IncrementalAlterConfigsHandler(controller, forwarder, authorization))
                .add(ApiKeys.DESCRIBE_CONFIGS, 1, 4, new DescribeConfigsHandler(metadata, brokerConfigs, authorization))
                .add(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, 0, 1, new AlterPartitionReassignmentsHandler(controller))
                .add(ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0, 0, new ListPartitionReassignmentsHandler(metadata))
                .add(ApiKeys.ELECT_LEADERS, 0, 2, new ElectLeadersHandler(controller))
                .add(ApiKeys.DESCRIBE_LOG_DIRS, 1, 5, new DescribeLogDirsHandler(replicas))
                .add(ApiKeys.UNREGISTER_BROKER, 0, ApiKeys.UNREGISTER_BROKER.latestVersion(),
                        new UnregisterBrokerHandler(controller, forwarder))
                .add(ApiKeys.DELETE_RECORDS, 0, 2, new DeleteRecordsHandler(metadata::image, replicas, authorization))
                .add(ApiKeys.DESCRIBE_PRODUCERS, 0, 0, new DescribeProducersHandler(metadata::image, replicas, authorization))
                .add(ApiKeys.DESCRIBE_CLIENT_QUOTAS, 0, 1, new DescribeClientQuotasHandler(metadata))
                .add(ApiKeys.ALTER_CLIENT_QUOTAS, 0, 1, new AlterClientQuotasHandler(controller, forwarder));
    }

    /** The APIs that need no controller: metadata reads and the data plane. */
    public static ApiRegistry.Builder dataPlane(MetadataView metadata, ReplicaManager replicas,
                                                ProducerIdAllocator producerIds) {
        return dataPlane(metadata, replicas, producerIds, TopicAutoCreator.DISABLED);
    }

    public static ApiRegistry.Builder dataPlane(MetadataView metadata, ReplicaManager replicas,
                                                ProducerIdAllocator producerIds, TopicAutoCreator autoCreator) {
        return dataPlane(metadata, replicas, producerIds, autoCreator, new ClientQuotas(metadata::image));
    }

    public static ApiRegistry.Builder dataPlane(MetadataView metadata, ReplicaManager replicas,
                                                ProducerIdAllocator producerIds, TopicAutoCreator autoCreator,
                                                ClientQuotas quotas) {
        return dataPlane(metadata, replicas, producerIds, autoCreator, quotas, Authorization.NONE);
    }

    public static ApiRegistry.Builder dataPlane(MetadataView metadata, ReplicaManager replicas,
                                                ProducerIdAllocator producerIds, TopicAutoCreator autoCreator,
                                                ClientQuotas quotas, Authorization authorization) {
        return dataPlane(metadata, replicas, producerIds, autoCreator, quotas, authorization,
                new FetchSessions(new FetchSessionCache(FetchSessionCache.DEFAULT_SLOTS,
                        FetchSessionCache.DEFAULT_EVICTION_MS, new java.util.SplittableRandom())));
    }

    /**
     * The data plane with client quotas ({@code quotas}) applied to Produce and Fetch, topics
     * authorized, and the node's fetch sessions.
     */
    public static ApiRegistry.Builder dataPlane(MetadataView metadata, ReplicaManager replicas,
                                                ProducerIdAllocator producerIds, TopicAutoCreator autoCreator,
                                                ClientQuotas quotas, Authorization authorization,
                                                FetchSessions fetchSessions) {
        return ApiRegistry.builder()
                .add(ApiKeys.METADATA, 0, 13, new MetadataHandler(metadata, autoCreator, authorization))
                .add(ApiKeys.DESCRIBE_CLUSTER, 0, 2, new DescribeClusterHandler(metadata, authorization))
                .add(ApiKeys.PRODUCE, 3, 13, QuotaEnforcement.produce(quotas,
                        new ProduceHandler(metadata::image, replicas, authorization)))
                .add(ApiKeys.FETCH, 4, 18, QuotaEnforcement.fetch(quotas, id -> fetchSessions.cache().remove(id),
                        new FetchHandler(metadata::image, replicas, authorization, fetchSessions,
                                System::currentTimeMillis)))
                .add(ApiKeys.LIST_OFFSETS, 1, 11, new ListOffsetsHandler(metadata::image, replicas, authorization))
                .add(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4, new OffsetForLeaderEpochHandler(metadata::image, replicas, authorization))
                .add(ApiKeys.INIT_PRODUCER_ID, 0, 6, new InitProducerIdHandler(producerIds));
    }
}
