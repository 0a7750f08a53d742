package io.weir.broker.quota;

import io.weir.controller.quota.ClientQuotaEntity;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which quota applies to a request, by Kafka's precedence (most specific first):
 * user + client id, user + default client, user; default user + client id, default user +
 * default client, default user; client id; default client. The answer also names whose usage
 * is counted against it: a default stands for each user or client id on its own (each gets the
 * default bound), an absent type for all of them together (Kafka's quota metric tags).
 */
final class QuotaResolver {
    private QuotaResolver() {
    }

    /** The bound that applies and the usage it is measured on. */
    record Applied(double bound, String user, String clientId) {
    }

    static Optional<Applied> resolve(Map<ClientQuotaEntity, Map<String, Double>> quotas, String key,
                                     String user, String clientId) {
        for (ClientQuotaEntity candidate : candidates(user, clientId)) {
            Map<String, Double> set = quotas.get(candidate);
            Double bound = set == null ? null : set.get(key);
            if (bound != null) {
                return Optional.of(new Applied(bound, candidate.has(ClientQuotaEntity.USER) ? user : "",
                        candidate.has(ClientQuotaEntity.CLIENT_ID) ? clientId : ""));
            }
        }
        return Optional.empty();
    }

    private static List<ClientQuotaEntity> candidates(String user, String clientId) {
        return List.of(
                ClientQuotaEntity.of(user, true, clientId, true),
                ClientQuotaEntity.of(user, true, null, true),
                ClientQuotaEntity.of(user, true, null, false),
                ClientQuotaEntity.of(null, true, clientId, true),
                ClientQuotaEntity.of(null, true, null, true),
                ClientQuotaEntity.of(null, true, null, false),
                ClientQuotaEntity.of(null, false, clientId, true),
                ClientQuotaEntity.of(null, false, null, true));
    }
}
