package io.weir.bench.compare;

/**
 * One compared figure, such as produce throughput or failover time.
 *
 * @param key stable identifier (file names, tests)
 * @param label what the table row says
 * @param unit unit of every value of this figure
 * @param higherIsBetter whether a bigger value is the better one (throughput) or not (latency)
 */
public record Figure(String key, String label, String unit, boolean higherIsBetter) {
}
