package io.weir.broker.node;

import io.weir.broker.admin.StaticBrokerConfig;
import io.weir.controller.config.TopicConfigs;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A node's YAML settings as the broker configs Kafka would describe ({@link NodeConfig#brokerConfigs}).
 * Kept apart from {@link NodeConfig}, which is only the file's shape.
 */
final class BrokerConfigView {
    private final NodeConfig config;
    private final NodeConfig defaults;
    private final List<StaticBrokerConfig> out = new ArrayList<>();

    private BrokerConfigView(NodeConfig config, NodeConfig defaults) {
        this.config = config;
        this.defaults = defaults;
    }

    /** @param defaults the same node with every optional setting at its default */
    static List<StaticBrokerConfig> of(NodeConfig config, NodeConfig defaults) {
        BrokerConfigView view = new BrokerConfigView(config, defaults);
        view.collect();
        view.out.sort(Comparator.comparing(StaticBrokerConfig::name));
        return List.copyOf(view.out);
    }

    private void collect() {
        required("node.id", Integer.toString(config.nodeId()), ConfigType.INT);
        required("broker.id", Integer.toString(config.nodeId()), ConfigType.INT);
        required("log.dirs", config.dataDir().resolve("logs").toAbsolutePath().toString(), ConfigType.STRING);
        required("listeners", config.kafkaListeners().describe(), ConfigType.LIST);
        required("cluster.id", config.clusterId(), ConfigType.STRING); // Weir's (Kafka keeps it in meta.properties)
        required("coordination.backend", config.coordination().backend(), ConfigType.STRING); // Weir's
        if (config.listeners().http() != null) required("listeners.http", config.listeners().http(), ConfigType.STRING);
        if (!config.coordination().voters().isEmpty()) {
            required("controller.quorum.voters", config.coordination().voters().stream()
                    .map(v -> v.id() + "@" + v.host() + ":" + v.quorumPort()).collect(Collectors.joining(",")),
                    ConfigType.LIST);
        }
        if (config.coordination().quorumSecurityProtocol() != null) { // Weir's
            required("coordination.quorum.security.protocol", config.coordination().quorumSecurityProtocol(),
                    ConfigType.STRING);
        }
        NodeConfig.ZooKeeper zk = config.coordination().zookeeper();
        if (zk != null && zk.mirror() != null) {
            required("zookeeper.mirror", zk.mirror(), ConfigType.STRING); // Weir's
        }
        if (zk != null && zk.connect() != null) {
            NodeConfig.ZooKeeper zkDefaults = new NodeConfig.ZooKeeper(zk.connect());
            required("zookeeper.connect", zk.connect(), ConfigType.STRING);
            add("zookeeper.session.timeout.ms", zk.sessionTimeoutMs(), zkDefaults.sessionTimeoutMs(), ConfigType.INT);
            add("zookeeper.connection.timeout.ms", zk.connectionTimeoutMs(), zkDefaults.connectionTimeoutMs(),
                    ConfigType.INT);
        }
        setting("broker.rack", NodeConfig::rack, ConfigType.STRING);
        setting("socket.request.max.bytes", NodeConfig::socketRequestMaxBytes, ConfigType.INT);
        setting("num.io.threads", NodeConfig::numIoThreads, ConfigType.INT);
        setting("broker.heartbeat.interval.ms", NodeConfig::brokerHeartbeatIntervalMs, ConfigType.INT);
        setting("broker.session.timeout.ms", NodeConfig::brokerSessionTimeoutMs, ConfigType.INT);
        setting("num.partitions", NodeConfig::numPartitions, ConfigType.INT);
        setting("default.replication.factor", NodeConfig::defaultReplicationFactor, ConfigType.SHORT);
        setting("group.initial.rebalance.delay.ms", NodeConfig::groupInitialRebalanceDelayMs, ConfigType.INT);
        setting("group.consumer.session.timeout.ms", NodeConfig::groupConsumerSessionTimeoutMs, ConfigType.INT);
        setting("group.consumer.heartbeat.interval.ms", NodeConfig::groupConsumerHeartbeatIntervalMs, ConfigType.INT);
        setting("offsets.retention.minutes", NodeConfig::offsetsRetentionMinutes, ConfigType.DOUBLE);
        setting("offsets.retention.check.interval.ms", NodeConfig::offsetsRetentionCheckIntervalMs, ConfigType.LONG);
        setting("max.incremental.fetch.session.cache.slots", NodeConfig::maxIncrementalFetchSessionCacheSlots,
                ConfigType.INT);
        setting("replica.lag.time.max.ms", NodeConfig::replicaLagTimeMaxMs, ConfigType.LONG);
        setting("auto.create.topics.enable", NodeConfig::autoCreateTopicsEnable, ConfigType.BOOLEAN);
        setting("leader.imbalance.check.interval.ms", NodeConfig::leaderImbalanceCheckIntervalMs, ConfigType.LONG);
        setting("queued.max.request.bytes", NodeConfig::queuedMaxRequestBytes, ConfigType.LONG);
        setting("queued.max.request.bytes.per.connection", NodeConfig::queuedMaxRequestBytesPerConnection,
                ConfigType.LONG);
        setting("max.connections", NodeConfig::maxConnections, ConfigType.INT);
        setting("max.connections.per.ip", NodeConfig::maxConnectionsPerIp, ConfigType.INT);
        setting("reserved.file.descriptors", NodeConfig::reservedFileDescriptors, ConfigType.INT);
        setting("socket.listen.backlog.size", NodeConfig::socketListenBacklogSize, ConfigType.INT);
        setting("connections.max.idle.ms", NodeConfig::connectionsMaxIdleMs, ConfigType.LONG);
        setting("socket.request.receive.timeout.ms", NodeConfig::socketRequestReceiveTimeoutMs, ConfigType.LONG);
        setting("offsets.topic.replication.factor", NodeConfig::offsetsTopicReplicationFactor, ConfigType.SHORT);
        setting("log.dir.reserved.bytes", NodeConfig::logDirReservedBytes, ConfigType.LONG);
        setting("log.retention.check.interval.ms", NodeConfig::logRetentionCheckIntervalMs, ConfigType.LONG);
        setting("cluster.secret.file", NodeConfig::clusterSecretFile, ConfigType.STRING); // the path, never the secret
        setting("advertised.listeners", NodeConfig::advertisedListeners, ConfigType.LIST);
        setting("listener.security.protocol.map", NodeConfig::listenerSecurityProtocolMap, ConfigType.LIST);
        setting("inter.broker.listener.name", NodeConfig::interBrokerListenerName, ConfigType.STRING);
        setting("ssl.keystore.location", NodeConfig::sslKeystoreLocation, ConfigType.STRING);
        setting("ssl.keystore.type", NodeConfig::sslKeystoreType, ConfigType.STRING);
        setting("ssl.truststore.location", NodeConfig::sslTruststoreLocation, ConfigType.STRING);
        setting("ssl.truststore.type", NodeConfig::sslTruststoreType, ConfigType.STRING);
        setting("ssl.client.auth", NodeConfig::sslClientAuth, ConfigType.STRING);
        setting("ssl.endpoint.identification.algorithm", NodeConfig::sslEndpointIdentificationAlgorithm, ConfigType.STRING);
        setting("sasl.enabled.mechanisms", NodeConfig::saslEnabledMechanisms, ConfigType.LIST);
        setting("connections.max.reauth.ms", NodeConfig::connectionsMaxReauthMs, ConfigType.LONG);
        setting("http.token.file", NodeConfig::httpTokenFile, ConfigType.STRING); // the path, never the token
        // Passwords are described as Kafka describes sensitive configs: with no value.
        for (String password : List.of("ssl.keystore.password", "ssl.key.password", "ssl.truststore.password")) {
            add(password, null, null, ConfigType.PASSWORD);
        }
        setting("auto.balance.enable", NodeConfig::autoBalanceEnable, ConfigType.BOOLEAN); // Weir's
        setting("auto.balance.interval.ms", NodeConfig::autoBalanceIntervalMs, ConfigType.LONG); // Weir's
        setting("auto.balance.max.concurrent.moves", NodeConfig::autoBalanceMaxConcurrentMoves, ConfigType.INT);
        setting("follower.replication.throttled.rate", NodeConfig::followerReplicationThrottledRate, ConfigType.LONG);
        setting("leader.replication.throttled.rate", NodeConfig::leaderReplicationThrottledRate, ConfigType.LONG);
        setting("quota.window.num", NodeConfig::quotaWindowNum, ConfigType.INT);
        setting("quota.window.size.seconds", NodeConfig::quotaWindowSizeSeconds, ConfigType.INT);
        setting("max.connection.creation.rate", NodeConfig::maxConnectionCreationRate, ConfigType.INT);
        setting("log.cleaner.enable", NodeConfig::logCleanerEnable, ConfigType.BOOLEAN);
        setting("log.cleaner.threads", NodeConfig::logCleanerThreads, ConfigType.INT);
        setting("log.cleaner.dedupe.buffer.size", NodeConfig::logCleanerDedupeBufferSize, ConfigType.LONG);
        setting("log.cleaner.io.max.bytes.per.second", NodeConfig::logCleanerIoMaxBytesPerSecond, ConfigType.DOUBLE);
        setting("log.cleaner.backoff.ms", NodeConfig::logCleanerBackoffMs, ConfigType.LONG);
        setting("authorizer.class.name", NodeConfig::authorizerClassName, ConfigType.CLASS);
        setting("super.users", NodeConfig::superUsers, ConfigType.LIST);
        setting("allow.everyone.if.no.acl.found", NodeConfig::allowEveryoneIfNoAclFound, ConfigType.BOOLEAN);
        // The broker-wide defaults of topic configs: a node file cannot change them, so they are the table's.
        TopicConfigs.all().values().forEach(key -> TopicConfigs.brokerSynonym(key.name()).ifPresent(name ->
                add(name, key.defaultValue(), key.defaultValue(), ConfigType.valueOf(key.type().name()))));
    }

    private void required(String name, String value, ConfigType type) {
        out.add(new StaticBrokerConfig(name, value, null, type, true));
    }

    private void setting(String name, Function<NodeConfig, Object> get, ConfigType type) {
        add(name, get.apply(config), get.apply(defaults), type);
    }

    private void add(String name, Object value, Object defaultValue, ConfigType type) {
        String v = Objects.toString(value, null);
        String d = Objects.toString(defaultValue, null);
        // An unset optional setting (broker.rack) is at its default, null, as Kafka reports it.
        out.add(new StaticBrokerConfig(name, v, d, type, !Objects.equals(v, d)));
    }
}
