package io.weir.controller.security;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerResult;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.RemoveUserScramCredentialRecord;
import io.weir.controller.record.UserScramCredentialRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AlterUserScramCredentials as Kafka's controller decides it: per user, all of its changes or
 * none. A user's changes are refused with UNSUPPORTED_SASL_MECHANISM (not SCRAM-SHA-256/512),
 * UNACCEPTABLE_CREDENTIAL (an empty name, a cluster member's name, iterations outside
 * 4,096..16,384, empty keys), DUPLICATE_RESOURCE (two changes of one mechanism) or
 * RESOURCE_NOT_FOUND (deleting a credential that does not exist). Pure: no I/O, no clock.
 */
public final class ScramControlManager {
    public static final Set<String> MECHANISMS = Set.of("SCRAM-SHA-256", "SCRAM-SHA-512");
    static final int MIN_ITERATIONS = 4096;
    static final int MAX_ITERATIONS = 16384;
    /** The SCRAM names of cluster members (broker's {@code ClusterMembership}); users may not take them. */
    static final String MEMBER_PREFIX = "weir-node-";

    /** One credential to set, as the broker derived it from the client's salted password. */
    public record Upsertion(String name, String mechanism, String salt, String storedKey, String serverKey,
                            int iterations) {
    }

    /** One credential to delete. */
    public record Deletion(String name, String mechanism) {
    }

    /** The outcome for each user named in the request, in first-seen order. */
    public ControllerResult<Map<String, ApiStatus>> alter(MetadataImage image, List<Deletion> deletions,
                                                          List<Upsertion> upsertions) {
        Map<String, ApiStatus> results = new LinkedHashMap<>();
        Map<String, List<MetadataRecord>> recordsByUser = new HashMap<>();
        Map<String, Set<String>> seen = new HashMap<>();
        for (Deletion d : deletions) {
            ApiStatus status = check(d.name(), d.mechanism(), seen);
            if (status.isOk() && !image.scramCredentials(d.name()).containsKey(d.mechanism())) { // name checked non-empty
                status = ApiStatus.of(ApiError.RESOURCE_NOT_FOUND, "no " + d.mechanism() + " credential for " + d.name());
            }
            record(results, recordsByUser, d.name(), status, new RemoveUserScramCredentialRecord(d.name(), d.mechanism()));
        }
        for (Upsertion u : upsertions) {
            ApiStatus status = check(u.name(), u.mechanism(), seen);
            if (status.isOk() && (u.iterations() < MIN_ITERATIONS || u.iterations() > MAX_ITERATIONS)) {
                status = ApiStatus.of(ApiError.UNACCEPTABLE_CREDENTIAL, "iterations must be in " + MIN_ITERATIONS + ".."
                        + MAX_ITERATIONS + ", not " + u.iterations());
            }
            if (status.isOk() && (empty(u.salt()) || empty(u.storedKey()) || empty(u.serverKey()))) {
                status = ApiStatus.of(ApiError.UNACCEPTABLE_CREDENTIAL, "empty salt or salted password");
            }
            record(results, recordsByUser, u.name(), status, new UserScramCredentialRecord(u.name(), u.mechanism(),
                    u.salt(), u.storedKey(), u.serverKey(), u.iterations()));
        }
        List<MetadataRecord> records = new ArrayList<>();
        results.forEach((user, status) -> {
            if (status.isOk()) records.addAll(recordsByUser.getOrDefault(user, List.of()));
        });
        return ControllerResult.of(records, results);
    }

    private static ApiStatus check(String name, String mechanism, Map<String, Set<String>> seen) {
        if (empty(name)) return ApiStatus.of(ApiError.UNACCEPTABLE_CREDENTIAL, "the user name is empty");
        if (name.startsWith(MEMBER_PREFIX)) {
            return ApiStatus.of(ApiError.UNACCEPTABLE_CREDENTIAL, "names starting " + MEMBER_PREFIX + " are cluster members'");
        }
        if (!MECHANISMS.contains(mechanism)) {
            return ApiStatus.of(ApiError.UNSUPPORTED_SASL_MECHANISM, "unknown SCRAM mechanism " + mechanism);
        }
        if (!seen.computeIfAbsent(name, n -> new HashSet<>()).add(mechanism)) {
            return ApiStatus.of(ApiError.DUPLICATE_RESOURCE, "more than one change of " + mechanism + " for " + name);
        }
        return ApiStatus.OK;
    }

    /** A user's first error stands; its records are kept only while it has none. */
    private static void record(Map<String, ApiStatus> results, Map<String, List<MetadataRecord>> recordsByUser,
                               String user, ApiStatus status, MetadataRecord record) {
        String key = user == null ? "" : user;
        ApiStatus current = results.get(key);
        if (current == null || current.isOk()) results.put(key, status);
        recordsByUser.computeIfAbsent(key, k -> new ArrayList<>()).add(record);
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }
}
