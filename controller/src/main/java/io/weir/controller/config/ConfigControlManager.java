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
 * IncrementalAlterConfigs for topics. Each resource is all-or-nothing: one invalid op leaves
 * that resource unchanged and answers INVALID_CONFIG. Deleting a config that is not set
 * succeeds and changes nothing, on any resource.
 */
public final class ConfigControlManager {

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
