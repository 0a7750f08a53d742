package io.weir.broker.api;

import io.weir.broker.network.RequestDispatcher;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The APIs this node implements, with their version ranges. ApiVersions answers from this
 * registry, so what is advertised is exactly what is registered and cannot drift.
 */
public final class ApiRegistry implements RequestDispatcher {

    /** One implemented API. */
    public record Entry(ApiKeys apiKey, short minVersion, short maxVersion,
                        ApiHandler<? extends AbstractRequest> handler) {
        public Entry {
            if (minVersion < apiKey.oldestVersion() || maxVersion > apiKey.latestVersion() || minVersion > maxVersion) {
                throw new IllegalArgumentException(apiKey + " versions " + minVersion + ".." + maxVersion
                        + " outside what kafka-clients can parse: " + apiKey.oldestVersion() + ".." + apiKey.latestVersion());
            }
        }
    }

    private final Map<ApiKeys, Entry> entries;
    private final FeatureLevels features;

    private ApiRegistry(Map<ApiKeys, Entry> entries) {
        this.entries = Collections.unmodifiableMap(new EnumMap<>(entries));
        this.features = new FeatureLevels(this.entries.keySet());
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean isSupported(ApiKeys apiKey, short version) {
        Entry e = entries.get(apiKey);
        return e != null && version >= e.minVersion && version <= e.maxVersion;
    }

    /** The implemented APIs as ApiVersions advertises them. */
    public ApiVersionCollection apiVersions() {
        ApiVersionCollection versions = new ApiVersionCollection(entries.size());
        for (Entry e : entries.values()) {
            versions.add(new ApiVersion().setApiKey(e.apiKey.id).setMinVersion(e.minVersion).setMaxVersion(e.maxVersion));
        }
        return versions;
    }

    /** Kafka's feature flags as this set of APIs implies them. */
    FeatureLevels features() {
        return features;
    }

    public Map<ApiKeys, Entry> entries() {
        return entries;
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<AbstractResponse> dispatch(RequestContext context, AbstractRequest request) {
        Entry e = entries.get(request.apiKey());
        if (e == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no handler for " + request.apiKey()));
        }
        return ((ApiHandler<AbstractRequest>) e.handler).handle(context, request);
    }

    /** Collects handlers; ApiVersions itself is always registered. */
    public static final class Builder {
        private final Map<ApiKeys, Entry> entries = new EnumMap<>(ApiKeys.class);

        private Builder() {
        }

        /** Registers {@code handler} for versions {@code min..max} of {@code apiKey}. */
        public <Q extends AbstractRequest> Builder add(ApiKeys apiKey, int min, int max, ApiHandler<Q> handler) {
            if (entries.putIfAbsent(apiKey, new Entry(apiKey, (short) min, (short) max, handler)) != null) {
                throw new IllegalArgumentException("duplicate handler for " + apiKey);
            }
            return this;
        }

        public ApiRegistry build() {
            ApiVersionsHandler apiVersions = new ApiVersionsHandler();
            // All versions kafka-clients knows: the v0 error answer to newer versions needs them.
            add(ApiKeys.API_VERSIONS, ApiKeys.API_VERSIONS.oldestVersion(), ApiKeys.API_VERSIONS.latestVersion(), apiVersions);
            ApiRegistry registry = new ApiRegistry(entries);
            apiVersions.registry = registry;
            return registry;
        }
    }
}
