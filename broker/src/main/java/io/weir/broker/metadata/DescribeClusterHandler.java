package io.weir.broker.metadata;

import io.weir.broker.api.ApiHandler;
import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;

/**
 * DescribeCluster for the broker endpoint type: the brokers reachable on the request's
 * listener, the active controller and the cluster id. Asking a broker listener for controller
 * endpoints gets UNSUPPORTED_ENDPOINT_TYPE, as in Kafka.
 */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequest> {
    private static final byte BROKER_ENDPOINTS = 1;

    private final MetadataView metadata;
    private final io.weir.broker.security.acl.Authorization authorization;

    public DescribeClusterHandler(MetadataView metadata) {
        this(metadata, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Anyone may describe the cluster, as in Kafka; {@code authorization} fills in KIP-430's operations. */
    public DescribeClusterHandler(MetadataView metadata, io.weir.broker.security.acl.Authorization authorization) {
        this.metadata = metadata;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DescribeClusterRequest request) {
        DescribeClusterResponseData data = new DescribeClusterResponseData().setEndpointType(BROKER_ENDPOINTS);
        if (request.data().endpointType() != BROKER_ENDPOINTS) {
            data.setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("this listener serves broker endpoints only");
            return CompletableFuture.completedFuture(new DescribeClusterResponse(data));
        }
        MetadataImage image = metadata.image();
        boolean includeFenced = request.data().includeFencedBrokers();
        data.setClusterId(metadata.clusterId())
                .setControllerId(metadata.activeControllerId().orElse(MetadataResponse.NO_CONTROLLER_ID));
        for (BrokerRegistration broker : image.brokers().values()) {
            if (broker.fenced() && !includeFenced) continue;
            broker.endpoint(context.listenerName()).ifPresent(endpoint -> data.brokers().add(
                    new DescribeClusterBroker().setBrokerId(broker.id()).setHost(endpoint.host())
                            .setPort(endpoint.port()).setRack(broker.rack()).setIsFenced(broker.fenced())));
        }
        if (request.data().includeClusterAuthorizedOperations()) {
            data.setClusterAuthorizedOperations(authorization.authorizedOperations(context,
                    io.weir.controller.acl.AclBinding.ResourceType.CLUSTER, io.weir.controller.acl.AclBinding.CLUSTER_NAME));
        }
        return CompletableFuture.completedFuture(new DescribeClusterResponse(data));
    }
}
