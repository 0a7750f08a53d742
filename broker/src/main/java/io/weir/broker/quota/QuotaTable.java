package io.weir.broker.quota;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.quota.ClientQuotaControlManager;
import io.weir.controller.quota.ClientQuotaEntity;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The client quotas the metadata image holds, parsed again only when the image moves on, and
 * which of them applies to a client ({@link QuotaResolver}). Thread-safe.
 */
final class QuotaTable {
    private record Cached(long offset, Map<ClientQuotaEntity, Map<String, Double>> quotas) {
    }

    private final Supplier<MetadataImage> image;
    private volatile Cached cached = new Cached(Long.MIN_VALUE, Map.of());

    QuotaTable(Supplier<MetadataImage> image) {
        this.image = image;
    }

    /** The bound of quota {@code key} that applies to the client, and whose usage it counts; empty if none. */
    Optional<QuotaResolver.Applied> resolve(String key, String user, String clientId) {
        return QuotaResolver.resolve(quotas(), key, user, clientId);
    }

    /** The bound of quota {@code key} for an IP entity: the address's own, else the default IP's; empty if none. */
    Optional<Double> ipQuota(String key, String ip) {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = quotas();
        for (ClientQuotaEntity candidate : List.of(new ClientQuotaEntity(Map.of(ClientQuotaEntity.IP, Optional.of(ip))),
                new ClientQuotaEntity(Map.of(ClientQuotaEntity.IP, Optional.empty())))) {
            Map<String, Double> set = quotas.get(candidate);
            if (set != null && set.containsKey(key)) return Optional.of(set.get(key));
        }
        return Optional.empty();
    }

    private Map<ClientQuotaEntity, Map<String, Double>> quotas() {
        MetadataImage current = image.get();
        Cached c = cached;
        if (c.offset() != current.offset()) {
            c = new Cached(current.offset(), ClientQuotaControlManager.quotas(current));
            cached = c;
        }
        return c.quotas();
    }
}
