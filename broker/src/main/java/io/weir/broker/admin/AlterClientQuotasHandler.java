package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.controller.ApiStatus;
import io.weir.controller.QuorumController;
import io.weir.controller.quota.ClientQuotaControlManager;
import io.weir.controller.quota.ClientQuotaEntity;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterClientQuotasRequest;
import org.apache.kafka.common.requests.AlterClientQuotasResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * AlterClientQuotas ({@code kafka-configs.sh --alter --entity-type clients/users}) through the
 * active controller; a node that is not active forwards it there. Each entry is answered on its
 * own; an entry naming a type twice is INVALID_REQUEST, as in Kafka.
 */
public final class AlterClientQuotasHandler implements ApiHandler<AlterClientQuotasRequest> {
    private static final int REQUEST_TIMEOUT_MS = 30_000;

    private final QuorumController controller;
    private final ControllerForwarder forwarder;

    public AlterClientQuotasHandler(QuorumController controller, ControllerForwarder forwarder) {
        this.controller = controller;
        this.forwarder = forwarder;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, AlterClientQuotasRequest request) {
        AlterClientQuotasRequestData in = request.data();
        if (!controller.isActive()) {
            AlterClientQuotasRequestData copy = in.duplicate();
            AbstractRequest.Builder<AlterClientQuotasRequest> builder =
                    new AbstractRequest.Builder<>(ApiKeys.ALTER_CLIENT_QUOTAS) {
                        @Override
                        public AlterClientQuotasRequest build(short version) {
                            return new AlterClientQuotasRequest(copy, version);
                        }
                    };
            return forwarder.forwardOr(builder, () -> local(in));
        }
        return local(in);
    }

    private CompletableFuture<AbstractResponse> local(AlterClientQuotasRequestData in) {
        List<AlterClientQuotasResponseData.EntryData> answers = new ArrayList<>();
        Map<ClientQuotaEntity, AlterClientQuotasResponseData.EntryData> pending = new LinkedHashMap<>();
        List<ClientQuotaControlManager.Alteration> alterations = new ArrayList<>();
        for (AlterClientQuotasRequestData.EntryData e : in.entries()) {
            AlterClientQuotasResponseData.EntryData answer = new AlterClientQuotasResponseData.EntryData();
            e.entity().forEach(d -> answer.entity().add(new AlterClientQuotasResponseData.EntityData()
                    .setEntityType(d.entityType()).setEntityName(d.entityName())));
            answers.add(answer);
            Optional<ClientQuotaEntity> entity = entity(e);
            if (entity.isEmpty()) {
                answer.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Invalid client quota entity, duplicate entity entry");
                continue;
            }
            Map<String, Double> changes = new HashMap<>();
            e.ops().forEach(op -> changes.put(op.key(), op.remove() ? null : op.value()));
            alterations.add(new ClientQuotaControlManager.Alteration(entity.get(), changes));
            pending.put(entity.get(), answer);
        }
        AlterClientQuotasResponseData out = new AlterClientQuotasResponseData().setEntries(answers);
        if (alterations.isEmpty()) return CompletableFuture.completedFuture(new AlterClientQuotasResponse(out));
        return ControllerCalls.bounded(controller.alterClientQuotas(alterations, in.validateOnly()), REQUEST_TIMEOUT_MS)
                .handle((results, error) -> {
                    org.apache.kafka.common.requests.ApiError failure = error == null ? null : ControllerCalls.failure(error);
                    pending.forEach((entity, answer) -> {
                        if (failure != null) {
                            answer.setErrorCode(failure.error().code()).setErrorMessage(failure.message());
                            return;
                        }
                        ApiStatus status = results.get(entity);
                        if (status == null) {
                            answer.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code());
                        } else {
                            answer.setErrorCode(ControllerCalls.error(status).code()).setErrorMessage(status.message());
                        }
                    });
                    return new AlterClientQuotasResponse(out);
                });
    }

    private static Optional<ClientQuotaEntity> entity(AlterClientQuotasRequestData.EntryData e) {
        Map<String, Optional<String>> components = new HashMap<>();
        for (AlterClientQuotasRequestData.EntityData d : e.entity()) {
            if (components.put(d.entityType(), Optional.ofNullable(d.entityName())) != null) return Optional.empty();
        }
        return Optional.of(new ClientQuotaEntity(components));
    }
}
