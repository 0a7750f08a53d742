package io.weir.controller.config;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerResult;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.MetadataRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * IncrementalAlterConfigs for topics, and for brokers {@link #BROKER_DRAINING} only. Each resource is all-or-nothing: one invalid op leaves
 * that resource unchanged and answers INVALID_CONFIG. Deleting a config that is not set
 * succeeds and changes nothing, on any resource.
 */
public final class ConfigControlManager {
    /**
     * Weir's one dynamic broker config: {@code true} makes the balancer move every replica
     * (leadership first) off the broker and keep it empty, surviving controller failover.
     */
    public static final String BROKER_DRAINING = "broker.draining";

    /** Brokers whose {@value #BROKER_DRAINING} is {@code true}. */
    public static java.util.Set<Integer> drainingBrokers(MetadataImage image) {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        image.brokers().keySet().forEach(id -> {
            String v = image.configs(new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(id)))
                .get(BROKER_DRAINING);
            if ("true".equals(v)) {
                out.add(id);
            }
        });
        return out;
    }

    private static ApiStatus alterDraining(MetadataImage image, ConfigResource resource,
                                           List<AlterConfigOp> ops, List<MetadataRecord> out) {
        if (ops.stream().anyMatch(op -> !op.name().equals(BROKER_DRAINING))) {
            return ApiStatus.of(ApiError.INVALID_REQUEST,
                BROKER_DRAINING + " must be altered on its own");
        }
        Map<String, String> current = image.configs(resource);
        for (AlterConfigOp op : ops) {
            switch (op.op()) {
                case SET -> {
                    if (!"true".equals(op.value()) && !"false".equals(op.value())) {
                        return ApiStatus.of(ApiError.INVALID_CONFIG,
                            BROKER_DRAINING + " must be true or false, not " + op.value());
                    }
                    int id;
                    try {
                        id = Integer.parseInt(resource.name());
                    } catch (NumberFormatException e) {
                        return ApiStatus.of(ApiError.INVALID_REQUEST, "not a broker id: " + resource.name());
                    }
                    if (image.broker(id).isEmpty()) {
                        return ApiStatus.of(ApiError.BROKER_ID_NOT_REGISTERED,
                            "broker " + id + " is not registered");
                    }
                    out.add(new ConfigRecord(resource, op.name(), op.value()));
                }
                case DELETE -> {
                    if (current.containsKey(op.name())) {
                        out.add(new ConfigRecord(resource, op.name(), null));
                    }
                }
                default -> {
                    return ApiStatus.of(ApiError.INVALID_CONFIG,
                        op.op() + " needs a list config; " + op.name() + " is not one");
                }
            }
        }
        return ApiStatus.OK;
    }

    public ControllerResult<Map<ConfigResource, ApiStatus>> incrementalAlterConfigs(
        MetadataImage image, Map<ConfigResource, List<AlterConfigOp>> changes,
        boolean validateOnly) {
        List<MetadataRecord> records = new ArrayList<>();
        Map<ConfigResource, ApiStatus> results = new LinkedHashMap<>();
        changes.forEach((resource, ops) -> {
            List<MetadataRecord> resourceRecords = new ArrayList<>();
            ApiStatus status = alter(image, resource, ops, resourceRecords);
            results.put(resource, status);
            if (status.isOk() && !validateOnly) {
                records.addAll(resourceRecords);
            }
        });
        return ControllerResult.of(records, results);
    }

    private ApiStatus alter(MetadataImage image, ConfigResource resource, List<AlterConfigOp> ops,
                            List<MetadataRecord> out) {
        if (resource.type() == ConfigResource.Type.BROKER
            && ops.stream().anyMatch(op -> op.name().equals(BROKER_DRAINING))) {
            return alterDraining(image, resource, ops, out);
        }
        if (resource.type() != ConfigResource.Type.TOPIC) {
            // No broker or cluster config can be set, so deleting one deletes nothing and
            // succeeds, as deleting an unset config does in Kafka (its reassignment tool clears
            // broker throttles this way).
            if (ops.stream().allMatch(op -> op.op() == AlterConfigOp.OpType.DELETE)) {
                return ApiStatus.OK;
            }
            return ApiStatus.of(ApiError.INVALID_REQUEST,
                "only topic configs can be altered, not " + resource.type());
        }
        if (image.topic(resource.name()).isEmpty()) {
            return ApiStatus.of(ApiError.UNKNOWN_TOPIC_OR_PARTITION,
                "unknown topic " + resource.name());
        }
        Map<String, String> current = image.configs(resource);
        for (AlterConfigOp op : ops) {
            if (op.op() == AlterConfigOp.OpType.DELETE && !current.containsKey(op.name())) {
                // Deleting what is not set is a no-op whatever the name (Kafka's tools delete
                // throttle configs that Weir does not have).
                continue;
            }
            if (!TopicConfigs.isKnown(op.name())) {
                return ApiStatus.of(ApiError.INVALID_CONFIG, "unknown topic config " + op.name());
            }
            switch (op.op()) {
                case SET -> {
                    Optional<String> error = TopicConfigs.validate(op.name(), op.value());
                    if (error.isPresent()) {
                        return ApiStatus.of(ApiError.INVALID_CONFIG, error.get());
                    }
                    out.add(new ConfigRecord(resource, op.name(), op.value()));
                }
                case DELETE -> out.add(new ConfigRecord(resource, op.name(), null));
                default -> {
                    return ApiStatus.of(ApiError.INVALID_CONFIG,
                        op.op() + " needs a list config; " + op.name() + " is not one");
                }
            }
        }
        return ApiStatus.OK;
    }
}
