package io.weir.broker;

import io.weir.broker.api.ApiRegistry;
import io.weir.broker.fetch.FetchHandler;
import io.weir.broker.fetch.ListOffsetsHandler;
import io.weir.broker.metadata.DescribeClusterHandler;
import io.weir.broker.metadata.MetadataHandler;
import io.weir.broker.metadata.MetadataView;
import io.weir.broker.produce.InitProducerIdHandler;
import io.weir.broker.produce.ProduceHandler;
import io.weir.broker.produce.ProducerIdAllocator;
import io.weir.broker.replica.ReplicaManager;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The Kafka APIs a node serves on its client listener, and the versions of each. This is the
 * one list; ApiVersions advertises exactly it. Version floors are those of kafka-clients 4.x
 * (older versions were removed from the protocol by KIP-896).
 */
public final class BrokerApis {
    private BrokerApis() {
    }

    public static ApiRegistry.Builder dataPlane(MetadataView metadata, ReplicaManager replicas,
                                                ProducerIdAllocator producerIds) {
        return ApiRegistry.builder()
                .add(ApiKeys.METADATA, 0, 13, new MetadataHandler(metadata))
                .add(ApiKeys.DESCRIBE_CLUSTER, 0, 2, new DescribeClusterHandler(metadata))
                .add(ApiKeys.PRODUCE, 3, 13, new ProduceHandler(replicas))
                .add(ApiKeys.FETCH, 4, 18, new FetchHandler(replicas))
                .add(ApiKeys.LIST_OFFSETS, 1, 11, new ListOffsetsHandler(replicas))
                .add(ApiKeys.INIT_PRODUCER_ID, 0, 6, new InitProducerIdHandler(producerIds));
    }
}
