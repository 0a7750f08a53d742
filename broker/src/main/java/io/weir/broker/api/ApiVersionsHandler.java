package io.weir.broker.api;

import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.concurrent.CompletableFuture;

/**
 * ApiVersions, as Kafka answers it: an unsupported (newer) version gets UNSUPPORTED_VERSION in a
 * v0 body carrying our ApiVersions range (KIP-511), so the client retries with a version we
 * speak; an invalid client software name gets INVALID_REQUEST. The answer carries Kafka's
 * feature flags ({@link FeatureLevels}).
 */
final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest> {
    volatile ApiRegistry registry;

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, ApiVersionsRequest request) {
        ApiVersionsResponseData data = new ApiVersionsResponseData();
        if (request.hasUnsupportedRequestVersion()) {
            ApiVersionCollection own = new ApiVersionCollection();
            own.add(registry.apiVersions().find(ApiKeys.API_VERSIONS.id).duplicate());
            data.setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setApiKeys(own);
            return CompletableFuture.completedFuture(new ApiVersionsResponse(data));
        }
        if (!request.isValid()) {
            return CompletableFuture.completedFuture(request.getErrorResponse(0,
                    new InvalidRequestException("invalid client software name or version")));
        }
        FeatureLevels features = registry.features();
        return CompletableFuture.completedFuture(new ApiVersionsResponse.Builder()
                .setApiVersions(registry.apiVersions())
                .setSupportedFeatures(features.supported())
                .setFinalizedFeatures(features.finalized())
                .setFinalizedFeaturesEpoch(FeatureLevels.FINALIZED_EPOCH)
                // Clients before ApiVersions v4 cannot read a feature whose minimum level is 0 (KAFKA-17492).
                .setAlterFeatureLevel0(context.apiVersion() < 4)
                .build());
    }
}
