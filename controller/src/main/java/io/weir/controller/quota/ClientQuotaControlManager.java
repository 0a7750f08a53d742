package io.weir.controller.quota;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerResult;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.MetadataRecord;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * AlterClientQuotas, with Kafka's checks (its {@code ClientQuotaControlManager}): an entity is a
 * user and/or a client id, named or default, never empty; values are positive, byte rates whole
 * numbers. Each entity is all-or-nothing. Quotas are kept as configs of a
 * {@link ConfigResource.Type#CLIENT_QUOTA} resource named by the entity.
 *
 * <p>User and client-id entities take {@code producer_byte_rate}, {@code consumer_byte_rate}
 * (whole numbers, Kafka's LONG), {@code controller_mutation_rate} and {@code request_percentage}
 * (Kafka's DOUBLE); an IP entity, never combined with another type, takes
 * {@code connection_creation_rate} (Kafka's INT). An IP entity is named by a literal address or
 * is the default; unlike Kafka, which also takes a host name it can resolve, the controller does
 * not look names up.
 */
public final class ClientQuotaControlManager {
    public static final String PRODUCER_BYTE_RATE = "producer_byte_rate";
    public static final String CONSUMER_BYTE_RATE = "consumer_byte_rate";
    public static final String CONTROLLER_MUTATION_RATE = "controller_mutation_rate";
    public static final String REQUEST_PERCENTAGE = "request_percentage";
    public static final String CONNECTION_CREATION_RATE = "connection_creation_rate";
    /** The keys of user and client-id entities (Kafka's {@code userAndClientQuotaConfigs}). */
    static final Set<String> USER_AND_CLIENT_KEYS = Set.of(PRODUCER_BYTE_RATE, CONSUMER_BYTE_RATE,
            CONTROLLER_MUTATION_RATE, REQUEST_PERCENTAGE);
    /** Kafka's LONG quotas: whole numbers. */
    static final Set<String> LONG_KEYS = Set.of(PRODUCER_BYTE_RATE, CONSUMER_BYTE_RATE);

    /** One entity's changes: key to new value, or to null to remove it. */
    public record Alteration(ClientQuotaEntity entity, Map<String, Double> changes) {
    }

    public ControllerResult<Map<ClientQuotaEntity, ApiStatus>> alterClientQuotas(
            MetadataImage image, List<Alteration> alterations, boolean validateOnly) {
        List<MetadataRecord> records = new ArrayList<>();
        Map<ClientQuotaEntity, ApiStatus> results = new LinkedHashMap<>();
        for (Alteration a : alterations) {
            List<MetadataRecord> entityRecords = new ArrayList<>();
            ApiStatus status = alter(image, a, entityRecords);
            results.put(a.entity(), status);
            if (status.isOk() && !validateOnly) records.addAll(entityRecords);
        }
        return ControllerResult.of(records, results);
    }

    /** The quotas set for each entity, as the image holds them. */
    public static Map<ClientQuotaEntity, Map<String, Double>> quotas(MetadataImage image) {
        Map<ClientQuotaEntity, Map<String, Double>> out = new LinkedHashMap<>();
        image.configsOfType(ConfigResource.Type.CLIENT_QUOTA).forEach((resource, values) -> {
            Map<String, Double> parsed = new LinkedHashMap<>();
            values.forEach((k, v) -> parsed.put(k, Double.parseDouble(v)));
            out.put(ClientQuotaEntity.decode(resource.name()), parsed);
        });
        return out;
    }

    private static ApiStatus alter(MetadataImage image, Alteration a, List<MetadataRecord> out) {
        Optional<String> invalid = validateEntity(a.entity());
        if (invalid.isPresent()) return ApiStatus.of(ApiError.INVALID_REQUEST, invalid.get());
        ConfigResource resource = new ConfigResource(ConfigResource.Type.CLIENT_QUOTA, a.entity().encoded());
        Map<String, String> current = image.configs(resource);
        for (Map.Entry<String, Double> change : a.changes().entrySet()) {
            String key = change.getKey();
            Double value = change.getValue();
            if (value == null) {
                if (current.containsKey(key)) out.add(new ConfigRecord(resource, key, null));
                continue;
            }
            Optional<String> bad = validateValue(a.entity(), key, value);
            if (bad.isPresent()) return ApiStatus.of(ApiError.INVALID_REQUEST, bad.get());
            String encoded = Double.toString(value);
            if (!encoded.equals(current.get(key))) out.add(new ConfigRecord(resource, key, encoded));
        }
        return ApiStatus.OK;
    }

    static Optional<String> validateEntity(ClientQuotaEntity entity) {
        if (entity.components().isEmpty()) return Optional.of("Invalid empty client quota entity");
        for (Map.Entry<String, Optional<String>> c : entity.components().entrySet()) {
            String type = c.getKey();
            if (!type.equals(ClientQuotaEntity.USER) && !type.equals(ClientQuotaEntity.CLIENT_ID)
                    && !type.equals(ClientQuotaEntity.IP)) {
                return Optional.of("Unhandled client quota entity type: " + type);
            }
            if (c.getValue().isPresent() && c.getValue().get().isEmpty()) {
                return Optional.of("Empty " + type + " not supported");
            }
        }
        if (entity.has(ClientQuotaEntity.IP)) {
            if (entity.components().size() > 1) {
                return Optional.of("Invalid quota entity combination, IP entity should not be combined with User or ClientId");
            }
            Optional<String> ip = entity.name(ClientQuotaEntity.IP);
            if (ip.isPresent() && !isIpLiteral(ip.get())) {
                return Optional.of(ip.get() + " is not a valid IP or resolvable host.");
            }
        }
        return Optional.empty();
    }

    static Optional<String> validateValue(ClientQuotaEntity entity, String key, double value) {
        boolean ip = entity.has(ClientQuotaEntity.IP);
        if (ip ? !key.equals(CONNECTION_CREATION_RATE) : !USER_AND_CLIENT_KEYS.contains(key)) {
            return Optional.of("Invalid configuration key " + key);
        }
        if (!(value > 0.0)) return Optional.of("Quota " + key + " must be greater than 0");
        if (ip && value > Integer.MAX_VALUE) return Optional.of("Proposed value for " + key + " is too large for an INT.");
        if (value > Long.MAX_VALUE) return Optional.of("Proposed value for " + key + " is too large for a LONG.");
        if ((ip || LONG_KEYS.contains(key)) && Math.abs(value % 1.0) > 1e-6) {
            return Optional.of(key + " cannot be a fractional value.");
        }
        return Optional.empty();
    }

    /** An IPv4 or IPv6 address written out, which {@link InetAddress#getByName} parses without a lookup. */
    static boolean isIpLiteral(String name) {
        if (!name.matches("[0-9.]+") && !(name.contains(":") && name.matches("[0-9a-fA-F:.]+"))) return false;
        try {
            InetAddress.getByName(name);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
