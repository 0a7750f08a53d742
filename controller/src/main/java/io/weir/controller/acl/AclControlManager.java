package io.weir.controller.acl;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerResult;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.AccessControlEntryRecord;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.RemoveAccessControlEntryRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * CreateAcls and DeleteAcls as Kafka's {@code AclControlManager} decides them. Each creation is
 * answered on its own: INVALID_REQUEST for an empty resource name, a CLUSTER resource not named
 * {@code kafka-cluster}, a principal that is not {@code Type:name}, or an empty host; an ACL that
 * already exists succeeds without a new record. Each deletion filter is answered with the ACLs it
 * removed; an ACL matched by several filters is removed once. Pure: no I/O, no clock.
 */
public final class AclControlManager {
    /** Bound on the ACLs a cluster holds, so one client cannot grow the metadata without end. */
    public static final int MAX_ACLS = 100_000;

    private final Supplier<UUID> ids;

    /** @param ids source of new ACL ids (random in production, seeded in tests) */
    public AclControlManager(Supplier<UUID> ids) {
        this.ids = ids;
    }

    /** The removed ACLs of one deletion filter, or its error. */
    public record Deletion(ApiStatus status, Map<UUID, AclBinding> removed) {
    }

    public ControllerResult<List<ApiStatus>> createAcls(MetadataImage image, List<AclBinding> creations) {
        List<ApiStatus> results = new ArrayList<>();
        List<MetadataRecord> records = new ArrayList<>();
        Set<AclBinding> present = new HashSet<>(image.acls().values());
        Set<UUID> used = new HashSet<>(image.acls().keySet());
        for (AclBinding acl : creations) {
            ApiStatus status = validate(acl);
            if (status.isOk() && !present.contains(acl)) {
                if (present.size() >= MAX_ACLS) {
                    status = ApiStatus.of(ApiError.INVALID_REQUEST, "the cluster holds the most ACLs it may: " + MAX_ACLS);
                } else {
                    UUID id = newId(used);
                    present.add(acl);
                    records.add(new AccessControlEntryRecord(id, acl));
                }
            }
            results.add(status);
        }
        return ControllerResult.of(records, results);
    }

    public ControllerResult<List<Deletion>> deleteAcls(MetadataImage image, List<AclFilter> filters) {
        List<Deletion> results = new ArrayList<>();
        Set<UUID> removed = new LinkedHashSet<>();
        for (AclFilter filter : filters) {
            Map<UUID, AclBinding> matched = new java.util.LinkedHashMap<>();
            image.acls().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .filter(e -> filter.matches(e.getValue()))
                    .forEach(e -> {
                        matched.put(e.getKey(), e.getValue());
                        removed.add(e.getKey());
                    });
            results.add(new Deletion(ApiStatus.OK, matched));
        }
        List<MetadataRecord> records = new ArrayList<>();
        removed.forEach(id -> records.add(new RemoveAccessControlEntryRecord(id)));
        return ControllerResult.of(records, results);
    }

    /** Kafka's checks of a new ACL (AclControlManager.validateNewAcl and the broker's AclApis). */
    static ApiStatus validate(AclBinding acl) {
        if (acl.resourceName().isEmpty()) return invalid("Invalid empty resource name");
        if (acl.resourceType() == AclBinding.ResourceType.CLUSTER && !AclBinding.CLUSTER_NAME.equals(acl.resourceName())) {
            return invalid("The only valid name for the CLUSTER resource is " + AclBinding.CLUSTER_NAME);
        }
        if (acl.resourceType() == AclBinding.ResourceType.CLUSTER && acl.patternType() != AclBinding.PatternType.LITERAL) {
            return invalid("A CLUSTER resource pattern must be LITERAL");
        }
        int colon = acl.principal().indexOf(':');
        if (colon <= 0 || colon == acl.principal().length() - 1) {
            return invalid("Could not parse principal from `" + acl.principal() + "` (no colon is present separating the "
                    + "principal type from the principal name)");
        }
        if (acl.host().isEmpty()) return invalid("Invalid empty host");
        return ApiStatus.OK;
    }

    private static ApiStatus invalid(String message) {
        return ApiStatus.of(ApiError.INVALID_REQUEST, message);
    }

    private UUID newId(Set<UUID> used) {
        for (int i = 0; i < 16; i++) {
            UUID id = ids.get();
            if (used.add(id)) return id;
        }
        throw new IllegalStateException("the ACL id source repeats itself");
    }
}
