package io.weir.bench.compare;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A 3-node local cluster of one system under comparison, every node its own JVM. */
public interface LocalCluster extends AutoCloseable {
    /** "Weir" or "Kafka": the column of the report. */
    String name();

    /** Writes configs and formats storage where the system needs it; not part of the start time. */
    void prepare() throws Exception;

    /** Starts every node and returns once every broker is listed by DescribeCluster. */
    void start() throws Exception;

    String bootstrapServers();

    List<Integer> nodeIds();

    /** The OS process id of a running node's JVM. */
    long pid(int nodeId);

    /** The node id of the active controller. */
    int activeController(Admin admin) throws Exception;

    /** SIGKILL of the node's JVM. */
    void kill(int nodeId);

    /** Starts a killed node again on its data and returns once it is listed by DescribeCluster again. */
    void restart(int nodeId) throws Exception;

    /** SIGKILL of every node; the data directory is deleted. */
    @Override
    void close();

    static Admin admin(String bootstrapServers) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    /** Called on every poll while waiting for the brokers; throws to give up at once (a node died). */
    @FunctionalInterface
    interface Check {
        void check() throws Exception;
    }

    /**
     * Polls DescribeCluster until it lists {@code brokers} brokers, calling {@code check} each time;
     * throws after {@code timeout}, or what {@code check} throws.
     */
    static void awaitBrokers(String bootstrapServers, int brokers, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        int seen = 0;
        try (Admin admin = admin(bootstrapServers)) {
            while (System.nanoTime() < deadline) {
                check.check();
                try {
                    seen = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                    if (seen >= brokers) return;
                } catch (Exception e) {
                    last = e;
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("only " + seen + " of " + brokers + " brokers listed at " + bootstrapServers
                + " after " + timeout + (last == null ? "" : "; last error: " + last));
    }
}
