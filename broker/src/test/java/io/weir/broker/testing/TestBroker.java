package io.weir.broker.testing;

import io.weir.broker.BrokerApis;
import io.weir.broker.api.ApiRegistry;
import io.weir.broker.fetch.session.FetchSessionCache;
import io.weir.broker.fetch.session.FetchSessions;
import io.weir.broker.metadata.MetadataCache;
import io.weir.broker.metadata.TopicAutoCreator;
import io.weir.broker.quota.ClientQuotas;
import io.weir.broker.security.acl.Authorization;
import io.weir.broker.network.KafkaServer;
import io.weir.broker.network.NetworkConfig;
import io.weir.broker.produce.ProducerIdAllocator;
import io.weir.replication.ReplicaManager;
import io.weir.replication.ReplicationConfig;
import io.weir.storage.LogConfig;
import io.weir.storage.LogManager;

import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * One broker with real storage and a real listener, whose metadata image the test publishes
 * (standing in for the metadata log replay, which is the controller module's job).
 */
public final class TestBroker implements AutoCloseable {
    private static final AtomicLong NEXT_PRODUCER_ID_BLOCK = new AtomicLong();

    public final int nodeId;
    public final MetadataCache metadata;
    public final LogManager logs;
    public final ReplicaManager replicas;
    public final ApiRegistry registry;
    public final KafkaServer server;

    public TestBroker(int nodeId, Path dataDir) throws InterruptedException {
        this(nodeId, dataDir, UnaryOperator.identity());
    }

    /** A broker whose listener bounds {@code network} adjusts from the defaults. */
    public TestBroker(int nodeId, Path dataDir, UnaryOperator<NetworkConfig> network) throws InterruptedException {
        this(nodeId, dataDir, network, new FetchSessions(new FetchSessionCache(FetchSessionCache.DEFAULT_SLOTS,
                FetchSessionCache.DEFAULT_EVICTION_MS, new java.util.SplittableRandom())));
    }

    /** A broker with the given fetch sessions. */
    public TestBroker(int nodeId, Path dataDir, FetchSessions sessions) throws InterruptedException {
        this(nodeId, dataDir, UnaryOperator.identity(), sessions);
    }

    private TestBroker(int nodeId, Path dataDir, UnaryOperator<NetworkConfig> network, FetchSessions sessions)
            throws InterruptedException {
        this.nodeId = nodeId;
        metadata = new MetadataCache(nodeId, "weir-test", () -> OptionalInt.of(nodeId));
        logs = new LogManager(dataDir.resolve("logs"), LogConfig.defaults());
        // No controller: a test's ISR never changes (proposals fail and are retried).
        replicas = new ReplicaManager(nodeId, logs, LogConfig.defaults(), dataDir.resolve("partition-topic-ids"),
                ReplicationConfig.defaults(), () -> 1L,
                request -> CompletableFuture.failedFuture(new IllegalStateException("no controller in this test")));
        metadata.onChange(replicas::onMetadataChange);
        // Stands in for the controller's AllocateProducerIds. Blocks must be unique across every
        // broker of the JVM and across restarts on one data directory, or a restarted broker's
        // producer (same id, epoch and sequence) is taken for a retry and its batch dropped.
        registry = BrokerApis.dataPlane(metadata, replicas,
                new ProducerIdAllocator(() -> new long[] {NEXT_PRODUCER_ID_BLOCK.getAndAdd(1000), 1000}),
                TopicAutoCreator.DISABLED, new ClientQuotas(metadata::image), Authorization.NONE, sessions).build();
        server = new KafkaServer(network.apply(NetworkConfig.of("127.0.0.1", 0)), registry);
        server.start();
    }

    public int port() {
        return server.boundAddress().getPort();
    }

    public String bootstrap() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() {
        server.close();
        replicas.close();
        logs.close();
    }
}
