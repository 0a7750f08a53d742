package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.quota.ControllerMutationQuotas;
import io.weir.broker.quota.MutationQuota;
import io.weir.controller.ApiStatus;
import io.weir.controller.QuorumController;
import io.weir.controller.topic.CreatePartitionsRequest;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** CreatePartitions through the active controller. */
public final class CreatePartitionsHandler
        implements ApiHandler<org.apache.kafka.common.requests.CreatePartitionsRequest> {
    private final QuorumController controller;
    private static final short STRICT_QUOTA_SINCE = 3;
    private final io.weir.broker.security.acl.Authorization authorization;
    private final ControllerMutationQuotas mutationQuotas;

    public CreatePartitionsHandler(QuorumController controller) {
        this(controller, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Each topic needs ALTER (TOPIC_AUTHORIZATION_FAILED), as Kafka. */
    public CreatePartitionsHandler(QuorumController controller, io.weir.broker.security.acl.Authorization authorization) {
        this(controller, authorization, ControllerMutationQuotas.unbounded());
    }

    /**
     * The partitions added count against the client's {@code controller_mutation_rate}; from
     * version 3 a client in debt has its topics refused THROTTLING_QUOTA_EXCEEDED (KIP-599).
     */
    public CreatePartitionsHandler(QuorumController controller, io.weir.broker.security.acl.Authorization authorization,
                                   ControllerMutationQuotas mutationQuotas) {
        this.controller = controller;
        this.authorization = authorization;
        this.mutationQuotas = mutationQuotas;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context,
                                                      org.apache.kafka.common.requests.CreatePartitionsRequest request) {
        CreatePartitionsRequestData in = request.data();
        CreatePartitionsResponseData out = new CreatePartitionsResponseData();
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : in.topics()) {
            if (!seen.add(t.name())) duplicates.add(t.name());
        }
        List<CreatePartitionsRequest> calls = new ArrayList<>();
        java.util.function.Predicate<String> alterable = authorization.topics(context,
                io.weir.controller.acl.AclBinding.Operation.ALTER);
        MutationQuota quota = mutationQuotas.forRequest(context.principal.getName(), context.clientId(),
                context.apiVersion() >= STRICT_QUOTA_SINCE);
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : in.topics()) {
            if (duplicates.contains(t.name())) continue;
            if (!alterable.test(t.name())) {
                out.results().add(new CreatePartitionsTopicResult().setName(t.name())
                        .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage("Authorization failed."));
                continue;
            }
            int current = controller.image().topic(t.name()).map(topic -> topic.partitionCount()).orElse(t.count());
            if (!quota.tryRecord(t.count() - current)) {
                out.results().add(new CreatePartitionsTopicResult().setName(t.name())
                        .setErrorCode(Errors.THROTTLING_QUOTA_EXCEEDED.code())
                        .setErrorMessage(Errors.THROTTLING_QUOTA_EXCEEDED.message()));
                continue;
            }
            List<List<Integer>> assignments = new ArrayList<>();
            if (t.assignments() != null) t.assignments().forEach(a -> assignments.add(a.brokerIds()));
            calls.add(new CreatePartitionsRequest(t.name(), t.count(), assignments));
        }
        for (String name : duplicates) {
            out.results().add(new CreatePartitionsTopicResult().setName(name)
                    .setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("duplicate topic in request"));
        }
        if (calls.isEmpty()) {
            return CompletableFuture.completedFuture(new CreatePartitionsResponse(out.setThrottleTimeMs(quota.throttleTimeMs())));
        }
        return ControllerCalls.bounded(controller.createPartitions(calls, in.validateOnly()), in.timeoutMs())
                .handle((results, error) -> {
                    ApiError failure = error == null ? null : ControllerCalls.failure(error);
                    for (CreatePartitionsRequest call : calls) {
                        CreatePartitionsTopicResult r = new CreatePartitionsTopicResult().setName(call.topic());
                        if (failure != null) {
                            r.setErrorCode(failure.error().code()).setErrorMessage(failure.message());
                        } else {
                            ApiStatus status = results.get(call.topic());
                            if (status == null) r.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code());
                            else r.setErrorCode(ControllerCalls.error(status).code()).setErrorMessage(status.message());
                        }
                        out.results().add(r);
                    }
                    return new CreatePartitionsResponse(out.setThrottleTimeMs(quota.throttleTimeMs()));
                });
    }
}
