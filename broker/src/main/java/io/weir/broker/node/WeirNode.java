package io.weir.broker.node;

import io.weir.broker.fetch.session.FetchSessionCache;
import io.weir.broker.fetch.session.FetchSessions;
import io.weir.broker.BrokerApis;
import io.weir.broker.admin.ControllerForwarder;
import io.weir.broker.admin.ControllerTopicAutoCreator;
import io.weir.broker.api.ApiRegistry;
import io.weir.broker.group.GroupHandlers;
import io.weir.broker.lifecycle.BrokerLifecycle;
import io.weir.broker.lifecycle.ControllerApiHandlers;
import io.weir.broker.lifecycle.RoutingControllerChannel;
import io.weir.broker.metadata.ImagePublisher;
import io.weir.broker.metadata.MetadataCache;
import io.weir.broker.metadata.TopicAutoCreator;
import io.weir.broker.metrics.BrokerMetrics;
import io.weir.broker.metrics.HttpEndpoint;
import io.weir.broker.quota.ClientQuotas;
import io.weir.broker.quota.ConnectionCreationRate;
import io.weir.broker.quota.ConnectionRateQuotas;
import io.weir.broker.quota.RequestQuotaDispatcher;
import io.weir.broker.network.ConnectionRateLimit;
import io.weir.broker.network.FileDescriptors;
import io.weir.broker.network.KafkaServer;
import io.weir.broker.network.ListenerSecurity;
import io.weir.broker.security.TlsSettings;
import io.weir.broker.security.UserSasl;
import io.weir.broker.admin.UserScramCredentialsHandlers;
import io.weir.controller.image.MetadataImage;
import io.weir.broker.network.SaslMechanisms;
import io.weir.broker.security.ClusterActionGuard;
import io.weir.broker.security.acl.AclAuthorizer;
import io.weir.broker.security.acl.Authorization;
import io.weir.broker.security.acl.AuthorizingDispatcher;
import io.weir.broker.admin.AclHandlers;
import io.weir.broker.security.ClusterMembership;
import io.weir.broker.security.MemberSasl;
import io.weir.broker.produce.ProducerIdAllocator;
import io.weir.replication.ReplicaManager;
import io.weir.replication.ReplicationConfig;
import io.weir.replication.InterBrokerSecurity;
import io.weir.controller.ControllerConfig;
import io.weir.controller.ProducerIdControlManager;
import io.weir.controller.QuorumController;
import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.Coordination;
import io.weir.controller.coordination.LocalCoordination;
import io.weir.controller.coordination.QuorumMembership;
import io.weir.broker.quorum.RaftVoterHandlers;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.group.GroupCoordinator;
import io.weir.group.OffsetsTopicCreator;
import io.weir.metadata.quorum.RatisCoordination;
import io.weir.storage.DiskSpace;
import io.weir.storage.LogCleaner;
import io.weir.storage.LogConfig;
import io.weir.storage.LogManager;
import io.weir.storage.LogRetention;
import io.weir.zk.ZooKeeperConnect;
import io.weir.zk.ZooKeeperCoordination;
import io.weir.zk.mirror.ClassicZnodeMirror;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Weir node: broker and controller in one process (KRaft's combined mode). It assembles
 * storage, the coordination backend (a Ratis quorum, ZooKeeper, or in-memory), the controller, the Kafka listener and the broker lifecycle
 * from one {@link NodeConfig}.
 *
 * <pre>{@code
 * try (WeirNode node = WeirNode.start(NodeConfig.load(Path.of("node.yaml")))) {
 *     node.awaitReady(Duration.ofSeconds(30));
 *     System.out.println(node.bootstrapServers());
 * }
 * }</pre>
 */
public final class WeirNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WeirNode.class);
    private static final int CONTROLLER_CALL_TIMEOUT_MS = 5_000;
    /** Kafka's offsets.topic.num.partitions is 50; ten keep small clusters light. */
    private static final int OFFSETS_TOPIC_PARTITIONS = 10;

    private final NodeConfig config;
    // In start order; close() stops the broker lifecycle and the listener first, then the rest
    // in reverse, so no request touches a closed log and the controller hears the broker leave.
    private final List<AutoCloseable> started = new ArrayList<>();
    private KafkaServer server;
    private QuorumController controller;
    private MetadataCache metadata;
    private volatile BrokerLifecycle lifecycle;
    /** The Ratis backend, once started (null on the others): its listeners are members too. */
    private volatile RatisCoordination ratis;
    private BrokerMetrics metrics;
    private FetchSessionCache fetchSessions;
    private HttpEndpoint http;
    private String advertisedHost;
    private String controllerHost;
    private final java.util.Map<String, KafkaServer> servers = new java.util.LinkedHashMap<>();
    private InterBrokerSecurity interBrokerSecurity = InterBrokerSecurity.PLAINTEXT;

    private WeirNode(NodeConfig config) {
        this.config = config;
    }

    /** Starts every component; on failure stops what was started and rethrows. */
    public static WeirNode start(NodeConfig config) throws Exception {
        WeirNode node = new WeirNode(config);
        try {
            node.startComponents();
            return node;
        } catch (Exception | Error e) {
            node.close();
            throw e;
        }
    }

    private void startComponents() throws Exception {
        int nodeId = config.nodeId();
        Path logDir = config.dataDir().resolve("logs");
        Path metadataDir = config.dataDir().resolve("metadata");
        Files.createDirectories(logDir);
        Files.createDirectories(metadataDir);
        // Before Ratis opens its log: on a full file system it gets the space kept for it.
        MetadataHeadroom headroom = new MetadataHeadroom(config.dataDir(), DiskSpace.fileStoreOf(config.dataDir()),
                config.logDirReservedBytes());
        headroom.awaitRoomToStart();
        startHeadroomCheck(headroom);

        KafkaListeners listeners = config.kafkaListeners();
        advertisedHost = listeners.first().advertised().host();
        DelegatingDispatcher dispatcher = new DelegatingDispatcher();
        metrics = new BrokerMetrics(nodeId);
        ClusterMembership membership = ClusterMembership.of(expectedNodeIds(),
                id -> ratis != null && (ratis.listenerIds().contains(id) || ratis.voterIds().contains(id)),
                config.clusterSecretFile() != null);
        Optional<String> secret = config.clusterSecretFile() == null ? Optional.empty()
                : Optional.of(MemberSasl.readSecret(config.clusterSecretFile()));
        if (secret.isEmpty()) {
            log.warn("Node {}: no cluster.secret.file, so cluster membership is open: any client that names {} may "
                    + "register as a broker and fetch as a replica (see docs/SECURITY.md)", nodeId,
                    membership.isExpected(Integer.MAX_VALUE) ? "any node id" : "an expected node id");
        }
        TlsSettings tls = new TlsSettings(config.sslKeystoreLocation(), config.sslKeystorePassword(),
                config.sslKeystoreType(), config.sslKeyPassword(), config.sslTruststoreLocation(),
                config.sslTruststorePassword(), config.sslTruststoreType(), config.sslClientAuth(),
                config.sslEndpointIdentificationAlgorithm());
        KafkaListeners.Listener interBroker = listeners.interBroker();
        boolean saslInterBroker = interBroker.protocol() == SecurityProtocol.SASL_PLAINTEXT
                || interBroker.protocol() == SecurityProtocol.SASL_SSL;
        if (saslInterBroker && secret.isEmpty()) {
            throw new IllegalArgumentException("inter.broker.listener.name " + interBroker.name() + " is "
                    + interBroker.protocol() + ": nodes authenticate there with the cluster secret, so "
                    + "cluster.secret.file is required");
        }
        if (config.authorizationEnabled() && secret.isEmpty()) {
            throw new IllegalArgumentException("authorizer.class.name is set: nodes are recognised (and authorized "
                    + "as super users) by the cluster secret, so cluster.secret.file is required");
        }
        interBrokerSecurity = new InterBrokerSecurity(interBroker.name(),
                ListenerSecurity.usesTls(interBroker.protocol()) ? Optional.of(tls.clientContext()) : Optional.empty(),
                tls.verifyHostname(), secret.map(s -> MemberSasl.login(nodeId, s)));
        Optional<MemberSasl> members = secret.map(s -> MemberSasl.of(membership, s));
        SaslMechanisms sasl = members.<SaslMechanisms>map(m -> m).orElse(SaslMechanisms.NONE);
        // SASL listeners also take users' logins, checked against the credentials in the metadata.
        SaslMechanisms userSasl = new UserSasl(() -> metadata == null ? MetadataImage.EMPTY : metadata.image(), members,
                config.saslMechanisms());
        io.netty.handler.ssl.SslContext serverTls = listeners.all().stream().anyMatch(l -> ListenerSecurity.usesTls(l.protocol()))
                ? tls.serverContext() : null;
        // IP quotas (KIP-612) apply on every listener, as in Kafka; one bucket per address across them.
        ConnectionRateQuotas connectionRates = new ConnectionRateQuotas(
                () -> metadata == null ? MetadataImage.EMPTY : metadata.image(), config.quotaWindowNum(),
                config.quotaWindowSizeSeconds(), System::currentTimeMillis);
        ConnectionRateLimit acceptRate = ConnectionCreationRate.of(config.maxConnectionCreationRate(),
                config.quotaWindowNum(), config.quotaWindowSizeSeconds(), System::currentTimeMillis);
        for (KafkaListeners.Listener l : listeners.all()) {
            // As Kafka, the inter-broker listener is exempt from the broker-wide rate when there are others.
            boolean protectedListener = l.name().equals(interBroker.name()) && listeners.all().size() > 1;
            boolean saslListener = l.protocol() == SecurityProtocol.SASL_PLAINTEXT || l.protocol() == SecurityProtocol.SASL_SSL;
            KafkaServer listenerServer = new KafkaServer(config.networkConfig(l.bind()), dispatcher, metrics,
                    saslListener ? userSasl : sasl,
                    new ListenerSecurity(l.name(), l.protocol(),
                            ListenerSecurity.usesTls(l.protocol()) ? Optional.of(serverTls) : Optional.empty(),
                            config.connectionsMaxReauthMs()), connectionRates,
                    protectedListener ? ConnectionRateLimit.NONE : acceptRate);
            servers.put(l.name(), listenerServer);
            listenerServer.start();
        }
        server = servers.get(listeners.first().name());
        // The controller endpoint the coordination backend publishes: the inter-broker listener.
        int kafkaPort = servers.get(interBroker.name()).boundAddress().getPort();
        controllerHost = interBroker.advertised().host();

        LocalCoordination.Log localLog = null;
        Coordination coordination;
        switch (config.coordination().backend()) {
            case "local" -> {
                // One node, metadata in memory: a quick way to try Weir, not a way to keep data.
                localLog = new LocalCoordination.Log();
                coordination = new LocalCoordination(localLog, nodeId);
            }
            case "zookeeper" -> coordination = new ZooKeeperCoordination(CoordinationConfigs.zooKeeper(config, controllerHost, kafkaPort));
            default -> coordination = ratis = new RatisCoordination(CoordinationConfigs.ratis(config, advertisedHost, kafkaPort,
                    metadataDir).withTls(config.coordination().quorumTls() ? tls.quorumTls() : null));
        }
        started.add(coordination);

        ControllerConfig controllerConfig = new ControllerConfig(Duration.ofMillis(config.brokerSessionTimeoutMs()),
                config.numPartitions(), config.defaultReplicationFactor(),
                ControllerConfig.DEFAULT.producerIdBlockSize(), ControllerConfig.DEFAULT.maxRecordsPerBatch(),
                ControllerConfig.DEFAULT.maxPendingRequests());
        if (config.autoBalanceEnable()) {
            controllerConfig = controllerConfig.withAutoBalance(Duration.ofMillis(config.autoBalanceIntervalMs()),
                    config.autoBalanceMaxConcurrentMoves());
        }
        controller = QuorumController.create(coordination, controllerConfig);
        started.add(controller);
        QuorumController c = controller;
        metadata = new MetadataCache(nodeId, config.clusterId(), () -> c.activeController()
                .map(ControllerLocation::nodeId).map(OptionalInt::of).orElse(OptionalInt.empty()), c::image);

        // Open queues and client connections share the descriptor limit (FileDescriptors).
        int storageBound = LogManager.maxOpenQueuesForThisProcess();
        int queueBound = FileDescriptors.maxOpenQueues(storageBound, config.maxConnections());
        if (queueBound < storageBound) {
            log.warn("Node {}: at most {} partitions' queues open at once, not {}: max.connections={} takes the rest"
                    + " of the file descriptor limit; partitions beyond that reopen their queues on use",
                    nodeId, queueBound, storageBound, config.maxConnections());
        }
        LogManager logs = new LogManager(logDir, LogConfig.defaults(), java.time.Clock.systemUTC(), queueBound,
                DiskSpace.of(logDir, config.logDirReservedBytes()));
        started.add(logs);
        LogCleaner cleaner = new LogCleaner(logs, config.logCleaner());
        started.add(cleaner); // closes before the logs
        cleaner.start();
        started.add(LogRetention.start(logs, config.logRetentionCheckIntervalMs(), "weir-retention-" + nodeId));
        RoutingControllerChannel isrChannel = controllerChannel();
        started.add(isrChannel);
        ReplicaManager replicas = new ReplicaManager(nodeId, logs, LogConfig.defaults(),
                config.dataDir().resolve("partition-topic-ids"),
                ReplicationConfig.defaults().withReplicaLagTimeMaxMs(config.replicaLagTimeMaxMs())
                        .withFollowerThrottledRate(config.followerReplicationThrottledRate())
                        .withLeaderThrottledRate(config.leaderReplicationThrottledRate()),
                () -> lifecycle == null ? -1 : lifecycle.brokerEpoch(), new ControllerIsrChannel(isrChannel),
                interBrokerSecurity);
        started.add(replicas);
        controller.setPartitionSizes(() -> HostedPartitionSizes.of(replicas));
        if (coordination instanceof RatisCoordination ratis) {
            controller.addImageListener(new UnregisteredListenerRemover(controller, ratis));
        }
        metadata.onChange(replicas::onMetadataChange);
        // Local logs open and close on their own thread, never on the controller's.
        ImagePublisher imagePublisher = new ImagePublisher("weir-metadata-apply-" + nodeId, metadata::publish);
        started.add(imagePublisher);
        controller.addImageListener(imagePublisher::offer);

        GroupCoordinator groups = new GroupCoordinator(metadata::image, nodeId, replicas, interBroker.name(),
                config.groupInitialRebalanceDelayMs(), config.groupConsumerSessionTimeoutMs(),
                config.groupConsumerHeartbeatIntervalMs(), config.offsetsRetentionMs(),
                config.offsetsRetentionCheckIntervalMs());
        started.add(groups);
        metadata.onChange(groups::onMetadataChange);
        controller.addImageListener(new OffsetsTopicCreator(controller, OFFSETS_TOPIC_PARTITIONS,
                config.offsetsTopicReplicationFactor()));
        // Its own channel: RoutingControllerChannel is single-threaded and the allocator calls it under its lock.
        RoutingControllerChannel producerIdChannel = controllerChannel();
        started.add(producerIdChannel);
        TopicAutoCreator autoCreator = TopicAutoCreator.DISABLED;
        if (config.autoCreateTopicsEnable()) {
            ControllerTopicAutoCreator creator = new ControllerTopicAutoCreator(
                    controllerChannel());
            started.add(creator);
            autoCreator = creator;
        }
        ControllerForwarder forwarder = new ControllerForwarder(
                controllerChannel());
        started.add(forwarder);
        Authorization authorization = authorization(membership);
        ClientQuotas quotas = new ClientQuotas(metadata::image, config.quotaWindowNum(),
                config.quotaWindowSizeSeconds(), System::currentTimeMillis);
        fetchSessions = new FetchSessionCache(config.maxIncrementalFetchSessionCacheSlots(),
                FetchSessionCache.DEFAULT_EVICTION_MS, new java.util.SplittableRandom());
        ApiRegistry.Builder apis = BrokerApis.all(metadata, replicas,
                new ProducerIdAllocator(() -> producerIdBlock(producerIdChannel)), controller, autoCreator, forwarder,
                config.brokerConfigs(), quotas, authorization, new FetchSessions(fetchSessions));
        GroupHandlers.register(apis, groups, authorization);
        UserScramCredentialsHandlers.register(apis, metadata, controller, forwarder);
        AclHandlers.register(apis, metadata, controller, forwarder, authorization);
        if (coordination instanceof QuorumMembership quorum) {
            RaftVoterHandlers.register(apis, controller, quorum, forwarder, config.clusterId());
        }
        if (sasl != SaslMechanisms.NONE || listeners.all().stream().anyMatch(l -> l.protocol() == SecurityProtocol.SASL_PLAINTEXT
                || l.protocol() == SecurityProtocol.SASL_SSL)) {
            apis.servedByConnection(ApiKeys.SASL_HANDSHAKE, 0, 1)
                    .servedByConnection(ApiKeys.SASL_AUTHENTICATE, 0, ApiKeys.SASL_AUTHENTICATE.latestVersion());
        }
        dispatcher.set(new RequestQuotaDispatcher(new ClusterActionGuard(new AuthorizingDispatcher(
                ControllerApiHandlers.register(apis, controller, config.clusterId()).build(), authorization), membership),
                quotas));
        controller.start();
        startZooKeeperMirror();
        if (config.leaderImbalanceCheckIntervalMs() > 0) {
            started.add(PreferredLeaderElection.start(controller, config.nodeId(), config.leaderImbalanceCheckIntervalMs()));
        }
        if (localLog != null) localLog.elect(nodeId);

        List<BrokerEndpoint> endpoints = new ArrayList<>();
        for (KafkaListeners.Listener l : listeners.all()) {
            int port = l.advertised().port() != 0 ? l.advertised().port() : servers.get(l.name()).boundAddress().getPort();
            endpoints.add(new BrokerEndpoint(l.name(), l.advertised().host(), port, l.protocol().name));
        }
        lifecycle = new BrokerLifecycle(nodeId, endpoints,
                config.rack(), metadata, new RoutingControllerChannel(controller, config.clusterId(),
                        lifecycleCallTimeoutMs(config.brokerSessionTimeoutMs()), interBrokerSecurity),
                config.brokerHeartbeatIntervalMs(), () -> !logs.isWritable());
        lifecycle.start();
        NodeGauges.register(metrics, logs, replicas, fetchSessions, metadata, lifecycle);
        if (config.listeners().http() != null) {
            NodeConfig.HostPort http = NodeConfig.HostPort.parse(config.listeners().http());
            BrokerLifecycle l = lifecycle;
            this.http = new HttpEndpoint(http.host(), http.port(), metrics, l::isUnfenced,
                    config.httpTokenFile() == null ? Optional.empty() : Optional.of(HttpEndpoint.readToken(config.httpTokenFile())));
            started.add(this.http);
        }
        log.info("Node {} started: Kafka listeners {} (inter-broker {}), coordination {}", nodeId, endpoints, interBroker.name(),
                config.coordination().backend());
    }

    /**
     * How long a heartbeat or registration waits for the active controller: half a broker
     * session, within 1 to 5 s. A call to a controller that froze (rather than died) must give up
     * in time for the broker to reach the next one before the session the new controller started
     * for it ends; with the 3 s default a frozen controller would otherwise hold heartbeats for
     * 5 s and every broker would be fenced.
     */
    static int lifecycleCallTimeoutMs(long brokerSessionTimeoutMs) {
        return (int) Math.max(1_000, Math.min(CONTROLLER_CALL_TIMEOUT_MS, brokerSessionTimeoutMs / 2));
    }

    /** A channel to the active controller that authenticates as this node when the cluster has a secret. */
    private RoutingControllerChannel controllerChannel() {
        return new RoutingControllerChannel(controller, config.clusterId(), CONTROLLER_CALL_TIMEOUT_MS, interBrokerSecurity);
    }

    /** ACL authorization when {@code authorizer.class.name} is set; cluster members are super users. */
    private Authorization authorization(ClusterMembership membership) {
        if (!config.authorizationEnabled()) return Authorization.NONE;
        AclAuthorizer authorizer = new AclAuthorizer(AclAuthorizer.parseSuperUsers(config.superUsers()),
                config.allowEveryoneIfNoAclFound());
        return new Authorization(authorizer, () -> metadata.image(), principal -> membership.authenticated()
                && KafkaPrincipal.USER_TYPE.equals(principal.getPrincipalType())
                && membership.memberId(principal.getName()).isPresent());
    }

    /** The node ids this cluster has: the static voters on Ratis, this node alone locally, any on ZooKeeper. */
    private Optional<Set<Integer>> expectedNodeIds() {
        return switch (config.coordination().backend()) {
            case "zookeeper" -> Optional.empty();
            case "local" -> Optional.of(Set.of(config.nodeId()));
            default -> Optional.of(config.coordination().voters().stream().map(NodeConfig.Voter::id)
                    .collect(java.util.stream.Collectors.toUnmodifiableSet()));
        };
    }

    private void startHeadroomCheck(MetadataHeadroom headroom) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weir-metadata-headroom-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(headroom::check, 1, 1, TimeUnit.SECONDS);
        started.add(timer::shutdownNow);
    }

    /** A producer id block from the active controller for this broker's current epoch. */
    private long[] producerIdBlock(RoutingControllerChannel channel) throws Exception {
        BrokerLifecycle l = lifecycle;
        long epoch = l == null ? -1 : l.brokerEpoch();
        if (epoch < 0) throw new IllegalStateException("broker " + config.nodeId() + " is not registered yet");
        ProducerIdControlManager.ProducerIdBlock block = channel.allocateProducerIds(config.nodeId(), epoch);
        if (!block.status().isOk()) throw new IllegalStateException("AllocateProducerIds: " + block.status());
        return new long[] {block.firstProducerId(), block.length()};
    }

    /**
     * Mirror mode ({@code coordination.zookeeper.mirror}, ratis backend): while this node is the
     * active controller it keeps Kafka's classic znodes in that ensemble up to date, on the
     * mirror's own thread; a lost ensemble only delays the mirror.
     */
    private void startZooKeeperMirror() {
        NodeConfig.ZooKeeper zk = config.coordination().zookeeper();
        if (zk == null || zk.mirror() == null) return;
        QuorumController c = controller;
        int nodeId = config.nodeId();
        ClassicZnodeMirror mirror = new ClassicZnodeMirror(ZooKeeperConnect.parse(zk.mirror()),
                () -> c.isActive() ? Optional.of(new ClassicZnodeMirror.State(c.image(), c.activeEpoch(), nodeId))
                        : Optional.empty(),
                Duration.ofSeconds(1), Duration.ofMillis(zk.connectionTimeoutMs()), java.time.Clock.systemUTC());
        started.add(mirror);
        controller.addImageListener(image -> mirror.nudge());
        mirror.start();
    }

    /** Waits until this broker is registered and unfenced, so clients can use it. */
    public void awaitReady(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!lifecycle.isUnfenced()) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("node " + config.nodeId() + " not unfenced within " + timeout);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    public int nodeId() {
        return config.nodeId();
    }

    public int kafkaPort() {
        return server.boundAddress().getPort();
    }

    /** The bound port of the Kafka listener named {@code listener} (Kafka's name, e.g. SASL_SSL). */
    public int kafkaPort(String listener) {
        KafkaServer named = servers.get(listener);
        if (named == null) throw new IllegalArgumentException("no listener " + listener + " in " + servers.keySet());
        return named.boundAddress().getPort();
    }

    public String bootstrapServers() {
        return advertisedHost + ":" + kafkaPort();
    }

    /** The bound HTTP port (metrics, health), or -1 when the config has no http listener. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** The Kafka listener (its connection count and queued request bytes, for tests and metrics). */
    public KafkaServer kafkaServer() {
        return server;
    }

    /** This node's fetch sessions (KIP-227). */
    public FetchSessionCache fetchSessions() {
        return fetchSessions;
    }

    public MetadataCache metadata() {
        return metadata;
    }

    public QuorumController controller() {
        return controller;
    }

    /** Stops components in reverse start order; each gets its own bounded shutdown. */
    @Override
    public void close() {
        if (lifecycle != null) stop(lifecycle);
        for (KafkaServer s : servers.values()) stop(s);
        for (int i = started.size() - 1; i >= 0; i--) stop(started.get(i));
        started.clear();
    }

    private void stop(AutoCloseable component) {
        try {
            component.close();
        } catch (Exception e) {
            log.warn("Error stopping {} of node {}", component.getClass().getSimpleName(), config.nodeId(), e);
        }
    }
}
