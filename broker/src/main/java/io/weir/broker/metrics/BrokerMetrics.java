package io.weir.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.weir.broker.network.RequestObserver;
import org.apache.kafka.common.protocol.ApiKeys;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's metrics in a Prometheus registry (DESIGN decision 7): requests and latency per
 * API, network bytes in and out, and gauges registered by other components.
 */
public final class BrokerMetrics implements RequestObserver {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<ApiKeys, Timer> requestTimers = new EnumMap<>(ApiKeys.class);
    private final Counter bytesIn;
    private final Counter bytesOut;

    public BrokerMetrics(int nodeId) {
        registry.config().commonTags("node", Integer.toString(nodeId));
        for (ApiKeys api : ApiKeys.values()) {
            requestTimers.put(api, Timer.builder("weir.requests").description("Kafka requests by API, until the response is queued")
                    .tag("api", api.name).register(registry));
        }
        bytesIn = Counter.builder("weir.network.bytes.in").description("request bytes read").register(registry);
        bytesOut = Counter.builder("weir.network.bytes.out").description("response bytes written").register(registry);
    }

    @Override
    public void bytesIn(int bytes) {
        bytesIn.increment(bytes);
    }

    @Override
    public void completed(ApiKeys api, int bytes, long nanos) {
        requestTimers.get(api).record(nanos, TimeUnit.NANOSECONDS);
        if (bytes > 0) bytesOut.increment(bytes);
    }

    /** Registers a gauge read at scrape time. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
