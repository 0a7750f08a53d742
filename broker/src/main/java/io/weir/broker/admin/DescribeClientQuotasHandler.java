package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.metadata.MetadataView;
import io.weir.controller.quota.ClientQuotaControlManager;
import io.weir.controller.quota.ClientQuotaEntity;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData.ComponentData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntityData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntryData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.ValueData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;
import org.apache.kafka.common.requests.DescribeClientQuotasResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeClientQuotas from this node's image, filtered as Kafka filters
 * ({@code kafka-configs.sh --describe --entity-type clients/users}): each component matches a
 * type by exact name, by the default, or any entity with that type; {@code strict} also requires
 * the entity to have no other type.
 */
public final class DescribeClientQuotasHandler implements ApiHandler<DescribeClientQuotasRequest> {
    private final MetadataView metadata;

    public DescribeClientQuotasHandler(MetadataView metadata) {
        this.metadata = metadata;
    }

    /** A parsed filter: types matched by name (empty = the default) and types that must merely be present. */
    record Filter(Map<String, Optional<String>> exact, Set<String> present, boolean strict) {
        boolean matches(ClientQuotaEntity entity) {
            if (strict && entity.components().size() != exact.size() + present.size()) return false;
            for (Map.Entry<String, Optional<String>> e : exact.entrySet()) {
                if (!entity.has(e.getKey()) || !Objects.equals(entity.name(e.getKey()), e.getValue())) return false;
            }
            return present.stream().allMatch(entity::has);
        }
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DescribeClientQuotasRequest request) {
        DescribeClientQuotasResponseData out = new DescribeClientQuotasResponseData();
        Filter filter;
        try {
            filter = parse(request.data());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new DescribeClientQuotasResponse(out
                    .setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(e.getMessage()).setEntries(null)));
        }
        ClientQuotaControlManager.quotas(metadata.image()).forEach((entity, values) -> {
            if (!filter.matches(entity)) return;
            EntryData entry = new EntryData();
            entity.components().forEach((type, name) ->
                    entry.entity().add(new EntityData().setEntityType(type).setEntityName(name.orElse(null))));
            values.forEach((key, value) -> entry.values().add(new ValueData().setKey(key).setValue(value)));
            out.entries().add(entry);
        });
        return CompletableFuture.completedFuture(new DescribeClientQuotasResponse(out.setErrorCode(Errors.NONE.code())));
    }

    static Filter parse(DescribeClientQuotasRequestData in) {
        Map<String, Optional<String>> exact = new HashMap<>();
        Set<String> present = new HashSet<>();
        for (ComponentData c : in.components()) {
            String type = c.entityType();
            if (type == null || type.isEmpty()) throw new IllegalArgumentException("Invalid empty entity type.");
            if (exact.containsKey(type) || present.contains(type)) {
                throw new IllegalArgumentException("Entity type " + type + " cannot appear more than once in the filter.");
            }
            if (!type.equals(ClientQuotaEntity.USER) && !type.equals(ClientQuotaEntity.CLIENT_ID)
                    && !type.equals(ClientQuotaEntity.IP)) {
                throw new IllegalArgumentException("Unsupported entity type " + type);
            }
            switch (c.matchType()) {
                case 0 -> {
                    if (c.match() == null) throw new IllegalArgumentException("MATCH_TYPE_EXACT with a null match string");
                    exact.put(type, Optional.of(c.match()));
                }
                case 1 -> {
                    if (c.match() != null) throw new IllegalArgumentException("MATCH_TYPE_DEFAULT with a match string");
                    exact.put(type, Optional.empty());
                }
                case 2 -> {
                    if (c.match() != null) throw new IllegalArgumentException("MATCH_TYPE_SPECIFIED with a match string");
                    present.add(type);
                }
                default -> throw new IllegalArgumentException("Unsupported match type " + c.matchType());
            }
        }
        return new Filter(exact, present, in.strict());
    }
}
