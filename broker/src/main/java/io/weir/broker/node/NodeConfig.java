package io.weir.broker.node;

import io.weir.broker.fetch.session.FetchSessionCache;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.weir.broker.admin.StaticBrokerConfig;
import io.weir.broker.network.FileDescriptors;
import io.weir.broker.network.NetworkConfig;
import io.weir.broker.quota.ClientQuotas;
import io.weir.group.GroupCoordinator;
import io.weir.zk.ZooKeeperConfig;
import io.weir.storage.DiskSpace;
import io.weir.storage.LogManager;
import io.weir.storage.LogRetention;
import io.weir.storage.LogCleaner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One node's configuration, read from YAML (DESIGN decision 6): the one flat list of every node
 * setting, each with its Kafka name, default and check, so that YAML, DescribeConfigs
 * ({@code BrokerConfigView}) and the docs have a single source. What each setting does, with its
 * default: the broker README, "Node settings". YAML in and out: {@link NodeConfigYaml}. Example:
 *
 * <pre>
 * node.id: 1
 * cluster.id: weir-local
 * data.dir: ./weir-data/node-1/data
 * listeners:
 *   kafka: 127.0.0.1:9092
 *   http: 127.0.0.1:9292
 * coordination:
 *   backend: ratis            # or: zookeeper, or local (one node, metadata in memory, for trying things out)
 *   voters:
 *     - {id: 1, host: 127.0.0.1, quorum.port: 9192, kafka.port: 9092}
 *     - {id: 2, host: 127.0.0.1, quorum.port: 9193, kafka.port: 9093}
 *     - {id: 3, host: 127.0.0.1, quorum.port: 9194, kafka.port: 9094}
 * </pre>
 *
 * <p>On ZooKeeper every node has the same {@code coordination} section and no voters:
 *
 * <pre>
 * coordination:
 *   backend: zookeeper
 *   zookeeper:
 *     connect: zk1:2181,zk2:2181,zk3:2181/weir   # host:port[,host:port...][/chroot]
 *     session.timeout.ms: 18000                  # optional (Kafka's default)
 *     connection.timeout.ms: 18000               # optional
 * </pre>
 *
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record NodeConfig(
        @JsonProperty(value = "node.id", required = true) int nodeId,
        @JsonProperty("cluster.id") String clusterId,
        // As a plain path, not Jackson's default file: URI, so people can read the files we write.
        @JsonProperty(value = "data.dir", required = true) @JsonSerialize(using = ToStringSerializer.class) Path dataDir,
        @JsonProperty(value = "listeners", required = true) Listeners listeners,
        @JsonProperty(value = "coordination", required = true) Coordination coordination,
        @JsonProperty("rack") String rack,
        @JsonProperty("socket.request.max.bytes") Integer socketRequestMaxBytes,
        @JsonProperty("num.io.threads") Integer numIoThreads,
        @JsonProperty("broker.heartbeat.interval.ms") Integer brokerHeartbeatIntervalMs,
        @JsonProperty("broker.session.timeout.ms") Integer brokerSessionTimeoutMs,
        @JsonProperty("num.partitions") Integer numPartitions,
        @JsonProperty("default.replication.factor") Short defaultReplicationFactor,
        @JsonProperty("group.initial.rebalance.delay.ms") Integer groupInitialRebalanceDelayMs,
        @JsonProperty("group.consumer.session.timeout.ms") Integer groupConsumerSessionTimeoutMs,
        @JsonProperty("group.consumer.heartbeat.interval.ms") Integer groupConsumerHeartbeatIntervalMs,
        @JsonProperty("replica.lag.time.max.ms") Long replicaLagTimeMaxMs,
        @JsonProperty("auto.create.topics.enable") Boolean autoCreateTopicsEnable,
        @JsonProperty("leader.imbalance.check.interval.ms") Long leaderImbalanceCheckIntervalMs,
        @JsonProperty("queued.max.request.bytes") Long queuedMaxRequestBytes,
        @JsonProperty("queued.max.request.bytes.per.connection") Long queuedMaxRequestBytesPerConnection,
        @JsonProperty("max.connections") Integer maxConnections,
        @JsonProperty("max.connections.per.ip") Integer maxConnectionsPerIp,
        @JsonProperty("reserved.file.descriptors") Integer reservedFileDescriptors,
        @JsonProperty("socket.listen.backlog.size") Integer socketListenBacklogSize,
        @JsonProperty("connections.max.idle.ms") Long connectionsMaxIdleMs,
        @JsonProperty("socket.request.receive.timeout.ms") Long socketRequestReceiveTimeoutMs,
        @JsonProperty("offsets.topic.replication.factor") Short offsetsTopicReplicationFactor,
        @JsonProperty("log.dir.reserved.bytes") Long logDirReservedBytes,
        @JsonProperty("log.retention.check.interval.ms") Long logRetentionCheckIntervalMs,
        @JsonProperty("cluster.secret.file") @JsonSerialize(using = ToStringSerializer.class) Path clusterSecretFile,
        @JsonProperty("advertised.listeners") String advertisedListeners,
        @JsonProperty("listener.security.protocol.map") String listenerSecurityProtocolMap,
        @JsonProperty("inter.broker.listener.name") String interBrokerListenerName,
        @JsonProperty("ssl.keystore.location") @JsonSerialize(using = ToStringSerializer.class) Path sslKeystoreLocation,
        @JsonProperty("ssl.keystore.password") String sslKeystorePassword,
        @JsonProperty("ssl.keystore.type") String sslKeystoreType,
        @JsonProperty("ssl.key.password") String sslKeyPassword,
        @JsonProperty("ssl.truststore.location") @JsonSerialize(using = ToStringSerializer.class) Path sslTruststoreLocation,
        @JsonProperty("ssl.truststore.password") String sslTruststorePassword,
        @JsonProperty("ssl.truststore.type") String sslTruststoreType,
        @JsonProperty("ssl.client.auth") String sslClientAuth,
        @JsonProperty("ssl.endpoint.identification.algorithm") String sslEndpointIdentificationAlgorithm,
        @JsonProperty("sasl.enabled.mechanisms") String saslEnabledMechanisms,
        @JsonProperty("connections.max.reauth.ms") Long connectionsMaxReauthMs,
        @JsonProperty("http.token.file") @JsonSerialize(using = ToStringSerializer.class) Path httpTokenFile,
        @JsonProperty("auto.balance.enable") Boolean autoBalanceEnable,
        @JsonProperty("auto.balance.interval.ms") Long autoBalanceIntervalMs,
        @JsonProperty("auto.balance.max.concurrent.moves") Integer autoBalanceMaxConcurrentMoves,
        @JsonProperty("follower.replication.throttled.rate") Long followerReplicationThrottledRate,
        @JsonProperty("leader.replication.throttled.rate") Long leaderReplicationThrottledRate,
        @JsonProperty("quota.window.num") Integer quotaWindowNum,
        @JsonProperty("quota.window.size.seconds") Integer quotaWindowSizeSeconds,
        @JsonProperty("max.connection.creation.rate") Integer maxConnectionCreationRate,
        @JsonProperty("log.cleaner.enable") Boolean logCleanerEnable,
        @JsonProperty("log.cleaner.threads") Integer logCleanerThreads,
        @JsonProperty("log.cleaner.dedupe.buffer.size") Long logCleanerDedupeBufferSize,
        @JsonProperty("log.cleaner.io.max.bytes.per.second") Double logCleanerIoMaxBytesPerSecond,
        @JsonProperty("log.cleaner.backoff.ms") Long logCleanerBackoffMs,
        @JsonProperty("authorizer.class.name") String authorizerClassName,
        @JsonProperty("super.users") String superUsers,
        @JsonProperty("allow.everyone.if.no.acl.found") Boolean allowEveryoneIfNoAclFound,
        @JsonProperty("offsets.retention.minutes") Double offsetsRetentionMinutes,
        @JsonProperty("offsets.retention.check.interval.ms") Long offsetsRetentionCheckIntervalMs,
        @JsonProperty("max.incremental.fetch.session.cache.slots") Integer maxIncrementalFetchSessionCacheSlots) {

    /** Kafka's authorizer class name; Weir's own ACL authorizer answers to it. */
    public static final String KAFKA_STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    /** Weir's short name for the same authorizer. */
    public static final String WEIR_ACL_AUTHORIZER = "acl";

    /**
     * Weir's {@code broker.heartbeat.interval.ms} (Kafka: 2 s): six heartbeats per session, so a
     * broker paused for a GC-sized stall (1 s) still has five intervals of slack.
     */
    public static final int DEFAULT_BROKER_HEARTBEAT_INTERVAL_MS = 500;
    /**
     * Weir's {@code broker.session.timeout.ms} (Kafka: 9 s): how long a dead broker keeps its
     * partitions' leadership. A third of Kafka's, safe because the controller forgives its own
     * stalls (see controller's {@code BrokerHeartbeatTracker}) and heartbeats come every 500 ms.
     */
    public static final int DEFAULT_BROKER_SESSION_TIMEOUT_MS = 3000;
    private static final List<String> STORE_TYPES = List.of("JKS", "PKCS12", "PEM");

    public NodeConfig {
        Objects.requireNonNull(dataDir, "data.dir");
        Objects.requireNonNull(listeners, "listeners");
        Objects.requireNonNull(coordination, "coordination");
        SettingChecks.notNegative("node.id", nodeId);
        clusterId = clusterId == null ? "weir" : clusterId;
        socketRequestMaxBytes = socketRequestMaxBytes == null ? NetworkConfig.DEFAULT_MAX_REQUEST_BYTES : socketRequestMaxBytes;
        numIoThreads = numIoThreads == null ? Math.max(2, Runtime.getRuntime().availableProcessors()) : numIoThreads;
        brokerHeartbeatIntervalMs = brokerHeartbeatIntervalMs == null ? DEFAULT_BROKER_HEARTBEAT_INTERVAL_MS
                : brokerHeartbeatIntervalMs;
        brokerSessionTimeoutMs = brokerSessionTimeoutMs == null ? DEFAULT_BROKER_SESSION_TIMEOUT_MS : brokerSessionTimeoutMs;
        numPartitions = numPartitions == null ? 1 : numPartitions;
        defaultReplicationFactor = defaultReplicationFactor == null ? 1 : defaultReplicationFactor;
        replicaLagTimeMaxMs = replicaLagTimeMaxMs == null ? 30_000L : replicaLagTimeMaxMs;
        autoCreateTopicsEnable = autoCreateTopicsEnable == null || autoCreateTopicsEnable; // Kafka's default
        // Kafka's auto.leader.rebalance.enable with leader.imbalance.check.interval.seconds=300; 0 turns it off.
        leaderImbalanceCheckIntervalMs = leaderImbalanceCheckIntervalMs == null ? 300_000L : leaderImbalanceCheckIntervalMs;
        SettingChecks.notNegative("leader.imbalance.check.interval.ms", leaderImbalanceCheckIntervalMs);
        SettingChecks.positive("replica.lag.time.max.ms", replicaLagTimeMaxMs);
        offsetsRetentionMinutes = offsetsRetentionMinutes == null
                ? GroupCoordinator.OFFSETS_RETENTION_MS / 60_000.0 : offsetsRetentionMinutes;
        if (!(offsetsRetentionMinutes * 60_000 >= 1)) {
            throw new IllegalArgumentException("offsets.retention.minutes must be positive");
        }
        offsetsRetentionCheckIntervalMs = offsetsRetentionCheckIntervalMs == null
                ? GroupCoordinator.OFFSETS_RETENTION_CHECK_INTERVAL_MS : offsetsRetentionCheckIntervalMs;
        SettingChecks.positive("offsets.retention.check.interval.ms", offsetsRetentionCheckIntervalMs);
        // Kafka's name and default: fetch sessions (KIP-227) this node keeps; 0 turns them off.
        maxIncrementalFetchSessionCacheSlots = maxIncrementalFetchSessionCacheSlots == null
                ? FetchSessionCache.DEFAULT_SLOTS : maxIncrementalFetchSessionCacheSlots;
        SettingChecks.notNegative("max.incremental.fetch.session.cache.slots", maxIncrementalFetchSessionCacheSlots);
        groupInitialRebalanceDelayMs = groupInitialRebalanceDelayMs == null ? 3000 : groupInitialRebalanceDelayMs;
        SettingChecks.notNegative("group.initial.rebalance.delay.ms", groupInitialRebalanceDelayMs);
        groupConsumerSessionTimeoutMs = groupConsumerSessionTimeoutMs == null
                ? GroupCoordinator.CONSUMER_SESSION_TIMEOUT_MS : groupConsumerSessionTimeoutMs;
        groupConsumerHeartbeatIntervalMs = groupConsumerHeartbeatIntervalMs == null
                ? GroupCoordinator.CONSUMER_HEARTBEAT_INTERVAL_MS : groupConsumerHeartbeatIntervalMs;
        if (groupConsumerHeartbeatIntervalMs <= 0 || groupConsumerHeartbeatIntervalMs >= groupConsumerSessionTimeoutMs) {
            throw new IllegalArgumentException(
                    "group.consumer.heartbeat.interval.ms must be positive and below group.consumer.session.timeout.ms");
        }
        if (brokerHeartbeatIntervalMs <= 0 || brokerHeartbeatIntervalMs >= brokerSessionTimeoutMs) {
            throw new IllegalArgumentException("broker.heartbeat.interval.ms must be positive and below broker.session.timeout.ms");
        }
        queuedMaxRequestBytes = queuedMaxRequestBytes == null
                ? NetworkConfig.defaultQueuedMaxRequestBytes(socketRequestMaxBytes) : queuedMaxRequestBytes;
        queuedMaxRequestBytesPerConnection = queuedMaxRequestBytesPerConnection == null
                ? NetworkConfig.DEFAULT_QUEUED_MAX_REQUEST_BYTES_PER_CONNECTION : queuedMaxRequestBytesPerConnection;
        // By default, room for the node's open-queue bound (storage's, from this process's limits).
        reservedFileDescriptors = reservedFileDescriptors == null
                ? FileDescriptors.reservedFor(LogManager.maxOpenQueuesForThisProcess()) : reservedFileDescriptors;
        SettingChecks.notNegative("reserved.file.descriptors", reservedFileDescriptors);
        maxConnections = maxConnections == null ? FileDescriptors.defaultMaxConnections(reservedFileDescriptors) : maxConnections;
        maxConnectionsPerIp = maxConnectionsPerIp == null ? Integer.MAX_VALUE : maxConnectionsPerIp; // Kafka's default
        socketListenBacklogSize = socketListenBacklogSize == null ? NetworkConfig.DEFAULT_LISTEN_BACKLOG : socketListenBacklogSize;
        connectionsMaxIdleMs = connectionsMaxIdleMs == null ? NetworkConfig.DEFAULT_CONNECTIONS_MAX_IDLE_MS : connectionsMaxIdleMs;
        socketRequestReceiveTimeoutMs = socketRequestReceiveTimeoutMs == null
                ? NetworkConfig.DEFAULT_REQUEST_RECEIVE_TIMEOUT_MS : socketRequestReceiveTimeoutMs;
        // Kafka's default is 3; with Ratis, never more than the voters, so small clusters get groups.
        offsetsTopicReplicationFactor = offsetsTopicReplicationFactor == null
                ? (short) (coordination.backend().equals("zookeeper") ? 3 : Math.min(3, Math.max(1, coordination.voters().size())))
                : offsetsTopicReplicationFactor;
        SettingChecks.atLeast("offsets.topic.replication.factor", offsetsTopicReplicationFactor, 1);
        logDirReservedBytes = logDirReservedBytes == null ? DiskSpace.DEFAULT_RESERVE_BYTES : logDirReservedBytes;
        SettingChecks.notNegative("log.dir.reserved.bytes", logDirReservedBytes);
        logRetentionCheckIntervalMs = logRetentionCheckIntervalMs == null ? LogRetention.DEFAULT_CHECK_INTERVAL_MS
                : logRetentionCheckIntervalMs;
        SettingChecks.positive("log.retention.check.interval.ms", logRetentionCheckIntervalMs);
        sslKeystoreType = sslKeystoreType == null ? "JKS" : sslKeystoreType.toUpperCase(java.util.Locale.ROOT); // Kafka's
        sslTruststoreType = sslTruststoreType == null ? "JKS" : sslTruststoreType.toUpperCase(java.util.Locale.ROOT);
        sslClientAuth = sslClientAuth == null ? "none" : sslClientAuth.toLowerCase(java.util.Locale.ROOT);
        sslEndpointIdentificationAlgorithm = sslEndpointIdentificationAlgorithm == null ? "https"
                : sslEndpointIdentificationAlgorithm;
        connectionsMaxReauthMs = connectionsMaxReauthMs == null ? 0L : connectionsMaxReauthMs; // Kafka's: off
        authorizerClassName = authorizerClassName == null ? "" : authorizerClassName.trim(); // Kafka's: no authorizer
        if (!List.of("", KAFKA_STANDARD_AUTHORIZER, WEIR_ACL_AUTHORIZER).contains(authorizerClassName)) {
            throw new IllegalArgumentException("authorizer.class.name must be " + KAFKA_STANDARD_AUTHORIZER + " or "
                    + WEIR_ACL_AUTHORIZER + " (or unset: no authorization), not " + authorizerClassName);
        }
        superUsers = superUsers == null ? "" : superUsers;
        allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound != null && allowEveryoneIfNoAclFound; // Kafka's: false
        SettingChecks.notNegative("connections.max.reauth.ms", connectionsMaxReauthMs);
        saslEnabledMechanisms = saslEnabledMechanisms == null ? "SCRAM-SHA-256,SCRAM-SHA-512" : saslEnabledMechanisms;
        SettingChecks.saslMechanisms(saslEnabledMechanisms);
        SettingChecks.oneOf("ssl.keystore.type", sslKeystoreType, STORE_TYPES);
        SettingChecks.oneOf("ssl.truststore.type", sslTruststoreType, STORE_TYPES);
        SettingChecks.oneOf("ssl.client.auth", sslClientAuth, List.of("none", "requested", "required"));
        KafkaListeners parsed = KafkaListeners.parse(listeners.kafka(), advertisedListeners, listenerSecurityProtocolMap,
                interBrokerListenerName);
        SettingChecks.tlsStores(parsed, coordination, sslKeystoreLocation, sslTruststoreLocation);
        autoBalanceEnable = autoBalanceEnable == null || autoBalanceEnable;
        autoBalanceIntervalMs = autoBalanceIntervalMs == null ? 10_000L : autoBalanceIntervalMs;
        SettingChecks.positive("auto.balance.interval.ms", autoBalanceIntervalMs);
        autoBalanceMaxConcurrentMoves = autoBalanceMaxConcurrentMoves == null ? 4 : autoBalanceMaxConcurrentMoves;
        SettingChecks.atLeast("auto.balance.max.concurrent.moves", autoBalanceMaxConcurrentMoves, 1);
        followerReplicationThrottledRate = followerReplicationThrottledRate == null ? Long.MAX_VALUE
                : followerReplicationThrottledRate;
        SettingChecks.positive("follower.replication.throttled.rate", followerReplicationThrottledRate);
        leaderReplicationThrottledRate = leaderReplicationThrottledRate == null ? Long.MAX_VALUE
                : leaderReplicationThrottledRate;
        SettingChecks.positive("leader.replication.throttled.rate", leaderReplicationThrottledRate);
        quotaWindowNum = quotaWindowNum == null ? ClientQuotas.DEFAULT_SAMPLES : quotaWindowNum;
        SettingChecks.atLeast("quota.window.num", quotaWindowNum, 2);
        quotaWindowSizeSeconds = quotaWindowSizeSeconds == null ? ClientQuotas.DEFAULT_SAMPLE_SECONDS : quotaWindowSizeSeconds;
        SettingChecks.atLeast("quota.window.size.seconds", quotaWindowSizeSeconds, 1);
        maxConnectionCreationRate = maxConnectionCreationRate == null ? Integer.MAX_VALUE : maxConnectionCreationRate;
        SettingChecks.positive("max.connection.creation.rate", maxConnectionCreationRate);
        LogCleaner.Settings cleaner = LogCleaner.Settings.DEFAULTS;
        logCleanerEnable = logCleanerEnable == null ? cleaner.enable() : logCleanerEnable;
        logCleanerThreads = logCleanerThreads == null ? cleaner.threads() : logCleanerThreads;
        logCleanerDedupeBufferSize = logCleanerDedupeBufferSize == null ? cleaner.dedupeBufferBytes()
                : logCleanerDedupeBufferSize;
        logCleanerIoMaxBytesPerSecond = logCleanerIoMaxBytesPerSecond == null ? cleaner.ioMaxBytesPerSecond()
                : logCleanerIoMaxBytesPerSecond;
        logCleanerBackoffMs = logCleanerBackoffMs == null ? cleaner.backoffMs() : logCleanerBackoffMs;
        new LogCleaner.Settings(logCleanerEnable, logCleanerThreads, logCleanerDedupeBufferSize,
                logCleanerIoMaxBytesPerSecond, logCleanerBackoffMs); // checked now, naming the key at fault
        // Validates the listener's bounds now, with errors that name the key at fault.
        network(parsed.first().bind(), numIoThreads, socketRequestMaxBytes, queuedMaxRequestBytes,
                queuedMaxRequestBytesPerConnection, maxConnections, maxConnectionsPerIp, socketListenBacklogSize,
                connectionsMaxIdleMs, socketRequestReceiveTimeoutMs);
    }

    /** The log cleaner's settings ({@code log.cleaner.*}, Kafka's names and defaults). */
    public LogCleaner.Settings logCleaner() {
        return new LogCleaner.Settings(logCleanerEnable, logCleanerThreads, logCleanerDedupeBufferSize,
                logCleanerIoMaxBytesPerSecond, logCleanerBackoffMs);
    }

    /** The Kafka listener's address and bounds. */
    public NetworkConfig networkConfig(HostPort kafka) {
        return network(kafka, numIoThreads, socketRequestMaxBytes, queuedMaxRequestBytes,
                queuedMaxRequestBytesPerConnection, maxConnections, maxConnectionsPerIp, socketListenBacklogSize,
                connectionsMaxIdleMs, socketRequestReceiveTimeoutMs);
    }

    private static NetworkConfig network(HostPort kafka, int ioThreads, int maxRequestBytes, long queued,
                                         long queuedPerConnection, int maxConnections, int maxConnectionsPerIp,
                                         int backlog, long maxIdleMs, long receiveTimeoutMs) {
        return NetworkConfig.of(kafka.host(), kafka.port())
                .withHandlerThreads(ioThreads)
                .withMaxRequestBytes(maxRequestBytes)
                .withQueuedMaxRequestBytes(queued, queuedPerConnection)
                .withMaxConnections(maxConnections, maxConnectionsPerIp)
                .withListenBacklog(backlog)
                .withConnectionsMaxIdleMs(maxIdleMs)
                .withRequestReceiveTimeoutMs(receiveTimeoutMs);
    }

    /**
     * Addresses as {@code host:port}; port 0 binds a free port. {@code kafka} may instead be
     * Kafka's {@code listeners} list, {@code NAME://host:port,...} (see {@link KafkaListeners}).
     */
    public record Listeners(@JsonProperty(value = "kafka", required = true) String kafka,
                            @JsonProperty("http") String http) {
        public Listeners {
            Objects.requireNonNull(kafka, "listeners.kafka");
            if (!kafka.contains("://")) HostPort.parse(kafka);
            if (http != null) HostPort.parse(http);
        }
    }

    /**
     * Which backend holds the metadata log, and its members (Ratis) or its ensemble (ZooKeeper).
     * On Ratis, a node whose id is not among the voters is a broker-only node: it learns metadata
     * as a Ratis listener on its own {@code quorum.port}, added to the running quorum's
     * configuration when it starts.
     */
    public record Coordination(@JsonProperty(value = "backend", required = true) String backend,
                               @JsonProperty("voters") List<Voter> voters,
                               @JsonProperty("zookeeper") ZooKeeper zookeeper,
                               @JsonProperty("quorum.port") Integer quorumPort,
                               @JsonProperty("quorum.security.protocol") String quorumSecurityProtocol) {
        public Coordination {
            quorumSecurityProtocol = CoordinationRules.quorumSecurityProtocol(quorumSecurityProtocol, backend);
            CoordinationRules.checkBackend(backend, quorumPort);
            voters = voters == null ? List.of() : List.copyOf(voters);
            CoordinationRules.checkSections(backend, voters, zookeeper);
        }

        /** Any backend, plaintext on a Ratis quorum port. */
        public Coordination(String backend, List<Voter> voters, ZooKeeper zookeeper, Integer quorumPort) {
            this(backend, voters, zookeeper, quorumPort, null);
        }

        /** A Ratis or local backend. */
        public Coordination(String backend, List<Voter> voters) {
            this(backend, voters, null, null);
        }

        /** Any backend, every voter with its own quorum port. */
        public Coordination(String backend, List<Voter> voters, ZooKeeper zookeeper) {
            this(backend, voters, zookeeper, null);
        }

        /** The ZooKeeper backend. */
        public static Coordination zookeeper(ZooKeeper zookeeper) {
            return new Coordination("zookeeper", null, zookeeper, null, null);
        }

        /** A broker-only node of a Ratis cluster: a listener on {@code quorumPort}. */
        public static Coordination ratisListener(List<Voter> voters, int quorumPort) {
            return new Coordination("ratis", voters, null, quorumPort, null);
        }

        /**
         * A copy whose quorum port is plaintext or mutual TLS ({@code PLAINTEXT} or {@code SSL}, Kafka's
         * names): with SSL, every Raft RPC runs over Ratis' gRPC transport with TLS, and both ends show
         * the node's {@code ssl.keystore} certificate, checked against {@code ssl.truststore}.
         */
        public Coordination withQuorumSecurityProtocol(String protocol) {
            return new Coordination(backend, voters, zookeeper, quorumPort, protocol);
        }

        /** Whether the quorum port runs mutual TLS ({@code quorum.security.protocol: SSL}). */
        public boolean quorumTls() {
            return "SSL".equals(quorumSecurityProtocol);
        }

        /** True when {@code nodeId} votes in the metadata quorum (always on ZooKeeper: any node may be elected). */
        public boolean isVoter(int nodeId) {
            return !backend.equals("ratis") || voters.stream().anyMatch(v -> v.id() == nodeId);
        }
    }

    /**
     * The ZooKeeper ensemble of the zookeeper backend, with Kafka's names and defaults for its
     * {@code zookeeper.*} settings; or, on the ratis backend, only {@code mirror}: the ensemble
     * where the active controller keeps Kafka's classic znode layout for tools that read it.
     */
    public record ZooKeeper(@JsonProperty("connect") String connect,
                            @JsonProperty("session.timeout.ms") Integer sessionTimeoutMs,
                            @JsonProperty("connection.timeout.ms") Integer connectionTimeoutMs,
                            @JsonProperty("mirror") String mirror) {
        public ZooKeeper {
            CoordinationRules.checkEnsemble(connect, mirror);
            sessionTimeoutMs = sessionTimeoutMs == null
                    ? (int) ZooKeeperConfig.DEFAULT_SESSION_TIMEOUT.toMillis() : sessionTimeoutMs;
            connectionTimeoutMs = connectionTimeoutMs == null ? sessionTimeoutMs : connectionTimeoutMs;
            CoordinationRules.checkTimeouts(sessionTimeoutMs, connectionTimeoutMs);
        }

        public ZooKeeper(String connect) {
            this(connect, null, null, null);
        }

        public ZooKeeper(String connect, Integer sessionTimeoutMs, Integer connectionTimeoutMs) {
            this(connect, sessionTimeoutMs, connectionTimeoutMs, null);
        }

        /** Only a mirror (the ratis backend). */
        public static ZooKeeper mirrorOnly(String mirror) {
            return new ZooKeeper(null, null, null, mirror);
        }
    }

    /** A metadata quorum voter: its Ratis port and its Kafka listener port (its controller endpoint). */
    public record Voter(@JsonProperty(value = "id", required = true) int id,
                        @JsonProperty(value = "host", required = true) String host,
                        @JsonProperty(value = "quorum.port", required = true) int quorumPort,
                        @JsonProperty(value = "kafka.port", required = true) int kafkaPort) {
    }

    /** A parsed {@code host:port}. */
    public record HostPort(String host, int port) {
        public static HostPort parse(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("expected host:port, got " + value);
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range in " + value);
            return new HostPort(value.substring(0, colon), port);
        }
    }

    /**
     * This node's settings as Kafka broker configs, for DescribeConfigs: Kafka's names where
     * Kafka has the setting (node.id, log.dirs, listeners, controller.quorum.voters, broker.rack,
     * zookeeper.connect, ...), Weir's YAML keys where it does not, and the broker defaults of the
     * topic configs (log.retention.ms, ...). A setting counts as static when the file gives it a
     * value other than its default (the file Weir writes spells every default out, so "set in
     * the file" would call everything static).
     */
    public List<StaticBrokerConfig> brokerConfigs() {
        // The defaults' listener is the short form: named listeners are valid only with the map that names them.
        HostPort first = kafkaListener();
        // ... and a plaintext quorum port: TLS there needs the ssl.* stores that the defaults lack.
        return BrokerConfigView.of(this, of(nodeId, clusterId, dataDir,
                new Listeners(first.host() + ":" + first.port(), listeners.http()),
                coordination.withQuorumSecurityProtocol(null)));
    }

    /** The first Kafka listener's bind address (the one {@code bootstrapServers()} names). */
    public HostPort kafkaListener() {
        return kafkaListeners().first().bind();
    }

    /** The SASL mechanisms SASL_PLAINTEXT and SASL_SSL listeners offer users. */
    public List<String> saslMechanisms() {
        return SettingChecks.mechanisms(saslEnabledMechanisms);
    }

    /** Every Kafka listener with its security protocol, and which one brokers use among themselves. */
    public KafkaListeners kafkaListeners() {
        return KafkaListeners.parse(listeners.kafka(), advertisedListeners, listenerSecurityProtocolMap,
                interBrokerListenerName);
    }

    /** A node with every optional setting at its default. */
    public static NodeConfig of(int nodeId, String clusterId, Path dataDir, Listeners listeners, Coordination coordination) {
        return new NodeConfig(nodeId, clusterId, dataDir, listeners, coordination,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Whether requests are authorized against ACLs ({@code authorizer.class.name} is set). */
    public boolean authorizationEnabled() {
        return !authorizerClassName.isEmpty();
    }

    /** {@code offsets.retention.minutes} in milliseconds. */
    public long offsetsRetentionMs() {
        return Math.round(offsetsRetentionMinutes * 60_000);
    }

    /**
     * A copy with {@code settings} (YAML keys such as {@code broker.session.timeout.ms}) replaced,
     * checked as a loaded file is: an unknown key or a bad value throws.
     */
    public NodeConfig with(Map<String, ?> settings) {
        return NodeConfigYaml.with(this, settings);
    }

    /**
     * This config as YAML with every setting explicit (defaults included); {@link #load} reads
     * it back to an equal config. The only writer of node files, so what is written is always
     * what {@link #load} accepts.
     */
    public String toYaml() {
        return NodeConfigYaml.write(this);
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, toYaml());
    }

    public static NodeConfig load(Path file) throws IOException {
        return NodeConfigYaml.read(file);
    }

    public static NodeConfig parse(String yaml) throws IOException {
        return NodeConfigYaml.parse(yaml);
    }
}
