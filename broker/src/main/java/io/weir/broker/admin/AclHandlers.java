package io.weir.broker.admin;

import io.weir.broker.api.ApiRegistry;
import io.weir.broker.metadata.MetadataView;
import io.weir.broker.security.acl.AclConversions;
import io.weir.broker.security.acl.Authorization;
import io.weir.controller.ApiStatus;
import io.weir.controller.QuorumController;
import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclControlManager;
import io.weir.controller.acl.AclFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.CreateAclsResponse;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * CreateAcls, DescribeAcls and DeleteAcls ({@code kafka-acls.sh}). Creations and deletions go
 * through the active controller (a node that is not active forwards them); DescribeAcls answers
 * from this node's metadata image. Without an authorizer each answers SECURITY_DISABLED, as
 * Kafka. Who may call them (ALTER, DESCRIBE on the cluster) is checked before, in
 * {@link io.weir.broker.security.acl.AuthorizingDispatcher}.
 */
public final class AclHandlers {
    private static final int TIMEOUT_MS = 30_000;
    private static final String DISABLED = "No Authorizer is configured.";

    private AclHandlers() {
    }

    public static ApiRegistry.Builder register(ApiRegistry.Builder registry, MetadataView metadata,
                                               QuorumController controller, ControllerForwarder forwarder,
                                               Authorization authorization) {
        return registry
                .add(ApiKeys.CREATE_ACLS, ApiKeys.CREATE_ACLS.oldestVersion(), ApiKeys.CREATE_ACLS.latestVersion(),
                        (RequestContext ctx, CreateAclsRequest r) -> authorization.enabled()
                                ? create(controller, forwarder, r)
                                : CompletableFuture.completedFuture(r.getErrorResponse(new SecurityDisabledException(DISABLED))))
                .add(ApiKeys.DESCRIBE_ACLS, ApiKeys.DESCRIBE_ACLS.oldestVersion(), ApiKeys.DESCRIBE_ACLS.latestVersion(),
                        (RequestContext ctx, DescribeAclsRequest r) -> CompletableFuture.completedFuture(
                                authorization.enabled() ? describe(metadata, r)
                                        : r.getErrorResponse(new SecurityDisabledException(DISABLED))))
                .add(ApiKeys.DELETE_ACLS, ApiKeys.DELETE_ACLS.oldestVersion(), ApiKeys.DELETE_ACLS.latestVersion(),
                        (RequestContext ctx, DeleteAclsRequest r) -> authorization.enabled()
                                ? delete(controller, forwarder, r)
                                : CompletableFuture.completedFuture(r.getErrorResponse(new SecurityDisabledException(DISABLED))));
    }

    private static AbstractResponse describe(MetadataView metadata, DescribeAclsRequest request) {
        AclBindingFilter filter = request.filter();
        if (filter.isUnknown()) {
            return request.getErrorResponse(new org.apache.kafka.common.errors.InvalidRequestException(
                    "The filter must not contain UNKNOWN elements"));
        }
        List<org.apache.kafka.common.acl.AclBinding> matching = metadata.image().acls().values().stream()
                .map(AclConversions::toKafka).filter(filter::matches)
                .sorted(Comparator.comparing(org.apache.kafka.common.acl.AclBinding::toString)).toList();
        return new DescribeAclsResponse(new DescribeAclsResponseData()
                .setResources(DescribeAclsResponse.aclsResources(matching)), request.version());
    }

    private static CompletableFuture<AbstractResponse> create(QuorumController controller, ControllerForwarder forwarder,
                                                              CreateAclsRequest request) {
        CreateAclsRequestData in = request.data();
        if (!controller.isActive()) {
            return forwarder.forwardOr(new CreateAclsRequest.Builder(in.duplicate()),
                    () -> CompletableFuture.completedFuture(request.getErrorResponse(
                            new org.apache.kafka.common.errors.NotControllerException("no active controller reachable"))));
        }
        List<AclCreationResult> results = new ArrayList<>();
        List<AclBinding> valid = new ArrayList<>();
        List<AclCreationResult> pending = new ArrayList<>();
        for (CreateAclsRequestData.AclCreation creation : in.creations()) {
            AclCreationResult result = new AclCreationResult().setErrorCode(Errors.NONE.code());
            results.add(result);
            try {
                valid.add(AclConversions.toStored(CreateAclsRequest.aclBinding(creation)));
                pending.add(result);
            } catch (RuntimeException e) { // Kafka's types refuse nulls and unknown values too
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(e.getMessage());
            }
        }
        CreateAclsResponseData out = new CreateAclsResponseData().setResults(results);
        if (valid.isEmpty()) return CompletableFuture.completedFuture(new CreateAclsResponse(out));
        return ControllerCalls.bounded(controller.createAcls(valid), TIMEOUT_MS).handle((statuses, error) -> {
            for (int i = 0; i < pending.size(); i++) {
                ApiError status = error != null ? ControllerCalls.failure(error) : error(statuses.get(i));
                pending.get(i).setErrorCode(status.error().code()).setErrorMessage(status.message());
            }
            return new CreateAclsResponse(out);
        });
    }

    private static CompletableFuture<AbstractResponse> delete(QuorumController controller, ControllerForwarder forwarder,
                                                              DeleteAclsRequest request) {
        if (!controller.isActive()) {
            return forwarder.forwardOr(new DeleteAclsRequest.Builder(request.data().duplicate()),
                    () -> CompletableFuture.completedFuture(request.getErrorResponse(
                            new org.apache.kafka.common.errors.NotControllerException("no active controller reachable"))));
        }
        List<DeleteAclsFilterResult> results = new ArrayList<>();
        List<AclFilter> filters = new ArrayList<>();
        List<DeleteAclsFilterResult> pending = new ArrayList<>();
        for (AclBindingFilter filter : request.filters()) {
            DeleteAclsFilterResult result = new DeleteAclsFilterResult().setErrorCode(Errors.NONE.code());
            results.add(result);
            try {
                Optional<AclFilter> stored = AclConversions.toStored(filter);
                if (stored.isPresent()) {
                    filters.add(stored.get());
                    pending.add(result);
                }
            } catch (RuntimeException e) { // Kafka's types refuse nulls and unknown values too
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(e.getMessage());
            }
        }
        DeleteAclsResponseData out = new DeleteAclsResponseData().setFilterResults(results);
        if (filters.isEmpty()) return CompletableFuture.completedFuture(new DeleteAclsResponse(out, request.version()));
        return ControllerCalls.bounded(controller.deleteAcls(filters), TIMEOUT_MS).handle((deletions, error) -> {
            for (int i = 0; i < pending.size(); i++) {
                DeleteAclsFilterResult result = pending.get(i);
                if (error != null) {
                    ApiError failure = ControllerCalls.failure(error);
                    result.setErrorCode(failure.error().code()).setErrorMessage(failure.message());
                    continue;
                }
                AclControlManager.Deletion deletion = deletions.get(i);
                deletion.removed().values().forEach(acl -> result.matchingAcls().add(
                        DeleteAclsResponse.matchingAcl(AclConversions.toKafka(acl), ApiError.NONE)));
            }
            return new DeleteAclsResponse(out, request.version());
        });
    }

    private static ApiError error(ApiStatus status) {
        return new ApiError(ControllerCalls.error(status), status.message());
    }
}
