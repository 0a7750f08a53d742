package io.weir.metadata.quorum;

import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.Coordination;
import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.coordination.NotControllerException;
import io.weir.controller.coordination.QuorumDescription;
import io.weir.controller.coordination.QuorumMembership;
import io.weir.controller.coordination.VoterChangeException;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Coordination} on an Apache Ratis group: the metadata log is the Raft log, the Raft
 * leader is the active controller and its term is the controller epoch. Voters replicate and
 * elect; listeners (non-voting members) only receive the log, so any number of brokers can
 * learn metadata without slowing commits.
 *
 * <p>Appends go straight to the local Raft server, never forwarded: only the leader of the
 * given term may append, and {@link MetadataStateMachine} enforces the epoch both before the
 * entry is appended and when it is applied. All listener callbacks run on one event thread
 * in the order Ratis produced them.
 */
public final class RatisCoordination implements Coordination, QuorumMembership {
    private static final Logger LOG = LoggerFactory.getLogger(RatisCoordination.class);
    private static final int JOIN_ATTEMPTS = 120;
    private static final long JOIN_RETRY_MS = 1000;
    private static final long HANDOFF_TIMEOUT_MS = 3000;

    private final RatisConfig config;
    private final RaftGroupId groupId;
    private final RaftPeerId selfId;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final BatchCodec codec = new BatchCodec();
    private final ExecutorService events;
    private volatile CoordinationListener listener;
    private volatile RaftServer server;
    private volatile MetadataStateMachine stateMachine;
    private volatile boolean closed;
    // Event-thread state.
    private long activeEpoch = -1;

    public RatisCoordination(RatisConfig config) {
        this.config = config;
        this.groupId = groupId(config.clusterId());
        this.selfId = peerId(config.nodeId());
        this.events = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "weir-quorum-events-" + config.nodeId());
                t.setDaemon(true);
                return t;
            });
    }

    /** The Raft group of cluster {@code clusterId}: also the name of its directory in the storage dir. */
    static RaftGroupId groupId(String clusterId) {
        return RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes(("weir-metadata/" + clusterId).getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public int nodeId() {
        return config.nodeId();
    }

    /** The image replayed by the state machine (mostly for tests and diagnostics). */
    public MetadataImage stateMachineImage() {
        MetadataStateMachine sm = stateMachine;
        return sm == null ? MetadataImage.EMPTY : sm.image();
    }

    @Override
    public synchronized void start(CoordinationListener l) {
        if (listener != null) {
            throw new IllegalStateException("already started");
        }
        listener = l;
        stateMachine = new MetadataStateMachine(new Forwarder(), clientId);
        try {
            server = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(group())
                .setStateMachine(stateMachine)
                .setProperties(properties())
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start metadata quorum member " + selfId, e);
        }
        LOG.info("node {} joined the metadata quorum as a {} at {}", config.nodeId(),
            config.isVoter() ? "voter" : "listener", config.self().address());
        if (!config.isVoter()) {
            Thread joiner = new Thread(this::joinAsListener, "weir-quorum-join-" + config.nodeId());
            joiner.setDaemon(true);
            joiner.start();
        }
    }

    /**
     * A listener that the voters do not know yet (a broker added to a running cluster) asks the
     * leader to add it to the Raft configuration. ADD leaves the voters and other listeners as
     * they are, so concurrent joins do not undo each other; a member that is already known is
     * a no-op. Bounded retries while no leader is reachable.
     */
    private void joinAsListener() {
        if (isVoterInRaftConf()) {
            // Promoted by add-voter in an earlier run: the recovered Raft configuration says so.
            LOG.info("node {} is a voter of the metadata quorum (promoted earlier)", config.nodeId());
            return;
        }
        RaftPeer self = peer(config.self(), RaftPeerRole.LISTENER);
        List<RaftPeer> voters = config.voters().stream()
            .map(p -> peer(p, RaftPeerRole.FOLLOWER)).toList();
        SetConfigurationRequest.Arguments add = SetConfigurationRequest.Arguments.newBuilder()
            .setMode(SetConfigurationRequest.Mode.ADD)
            .setServersInNewConf(List.of())
            .setListenersInNewConf(List.of(self))
            .build();
        for (int attempt = 1; attempt <= JOIN_ATTEMPTS && !closed; attempt++) {
            try (RaftClient client = RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(groupId, voters))
                .setProperties(properties())
                .build()) {
                RaftClientReply reply = client.admin().setConfiguration(add);
                if (reply.isSuccess()) {
                    LOG.info("node {} is a listener of the metadata quorum", config.nodeId());
                    return;
                }
                LOG.info("join attempt {} of node {} failed: {}", attempt, config.nodeId(),
                    reply.getException());
            } catch (IOException | RuntimeException e) {
                LOG.info("join attempt {} of node {} failed: {}", attempt, config.nodeId(), e.toString());
            }
            try {
                Thread.sleep(JOIN_RETRY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warn("node {} could not join the metadata quorum as a listener", config.nodeId());
    }

    @Override
    public CompletableFuture<Long> append(long controllerEpoch, List<MetadataRecord> records) {
        RaftServer s = server;
        if (s == null || closed) {
            return CompletableFuture.failedFuture(new NotControllerException(
                "metadata quorum member " + selfId + " is not running", Optional.empty()));
        }
        long timeoutMs = config.appendTimeout().toMillis();
        RaftClientRequest request = RaftClientRequest.newBuilder()
            .setClientId(clientId)
            .setServerId(selfId)
            .setGroupId(groupId)
            .setCallId(callIds.incrementAndGet())
            .setMessage(Message.valueOf(codec.encode(controllerEpoch, records)))
            .setType(RaftClientRequest.writeRequestType())
            .setTimeoutMs(timeoutMs)
            .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = s.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(notController("append refused: " + e));
        }
        return reply.orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
            .handle((r, error) -> {
                if (error != null) {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                    if (cause instanceof TimeoutException) {
                        throw new CompletionException(new TimeoutException("metadata append at epoch "
                            + controllerEpoch + " did not complete within " + timeoutMs + " ms"));
                    }
                    throw new CompletionException(notController("append failed: " + cause));
                }
                if (!r.isSuccess()) {
                    throw new CompletionException(notController("append at epoch "
                        + controllerEpoch + " failed: " + r.getException()));
                }
                ByteString content = r.getMessage().getContent();
                if (content.size() != Long.BYTES) {
                    throw new CompletionException(notController("batch of epoch " + controllerEpoch
                        + " was committed in another term and skipped"));
                }
                return content.asReadOnlyByteBuffer().getLong(0);
            });
    }

    /** Node ids of the non-voting members in this node's view of the Raft configuration. */
    public List<Integer> listenerIds() {
        return memberIds(RaftPeerRole.LISTENER);
    }

    /**
     * Node ids of the voters in this node's view of the Raft configuration: the static voters
     * until a voter change, then whatever the replicated configuration says.
     */
    public List<Integer> voterIds() {
        return memberIds(RaftPeerRole.FOLLOWER);
    }

    private List<Integer> memberIds(RaftPeerRole role) {
        RaftServer s = server;
        if (s == null || closed) {
            return List.of();
        }
        try {
            return s.getDivision(groupId).getRaftConf().getCurrentPeers(role)
                .stream().map(p -> Integer.parseInt(p.getId().toString())).sorted().toList();
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
    }

    private boolean isVoterInRaftConf() {
        try {
            return server.getDivision(groupId).getRaftConf().getPeer(selfId, RaftPeerRole.FOLLOWER) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes a decommissioned broker's listener membership, so the leader stops replicating
     * to it. Callable on any member (the request goes to the leader); compare-and-set on the
     * current configuration, so it never undoes a concurrent change (it fails instead).
     */
    public CompletableFuture<Void> removeListener(int nodeId) {
        return CompletableFuture.runAsync(() -> {
            try {
                RaftConfiguration conf = server.getDivision(groupId).getRaftConf();
                List<RaftPeer> voters = List.copyOf(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
                List<RaftPeer> listeners = List.copyOf(conf.getCurrentPeers(RaftPeerRole.LISTENER));
                List<RaftPeer> remaining = listeners.stream()
                    .filter(p -> !p.getId().equals(peerId(nodeId))).toList();
                if (remaining.size() == listeners.size()) {
                    return;
                }
                SetConfigurationRequest.Arguments change = SetConfigurationRequest.Arguments
                    .newBuilder()
                    .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                    .setServersInCurrentConf(voters).setListenersInCurrentConf(listeners)
                    .setServersInNewConf(voters).setListenersInNewConf(remaining)
                    .build();
                try (RaftClient client = RaftClient.newBuilder()
                    .setRaftGroup(RaftGroup.valueOf(groupId, voters))
                    .setProperties(properties())
                    .build()) {
                    RaftClientReply reply = client.admin().setConfiguration(change);
                    if (!reply.isSuccess()) {
                        throw new CompletionException(reply.getException());
                    }
                }
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        });
    }

    /**
     * The quorum as this node's Raft leader sees it: the term, the commit index as high
     * watermark, and each member's match index and time of last contact as Ratis reports them.
     * Empty unless this node leads (followers do not know the others' progress).
     */
    @Override
    public Optional<QuorumDescription> describeQuorum() {
        RaftServer s = server;
        if (s == null || closed) {
            return Optional.empty();
        }
        try {
            RaftServer.Division d = s.getDivision(groupId);
            DivisionInfo info = d.getInfo();
            if (!info.isLeader() || !info.isLeaderReady()) {
                return Optional.empty();
            }
            long now = System.currentTimeMillis();
            long highWatermark = d.getRaftLog().getLastCommittedIndex();
            long leaderEnd = d.getRaftLog().getNextIndex() - 1;
            Map<Integer, QuorumDescription.ReplicaState> states = new java.util.HashMap<>();
            List<ServerRpcProto> followers = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
            long[] matchIndexes = info.getFollowerMatchIndices();
            for (int i = 0; i < followers.size(); i++) {
                ServerRpcProto f = followers.get(i);
                int id = Integer.parseInt(f.getId().getId().toStringUtf8());
                // Both lists come from the leader's log appenders in one order; unknown if they disagree.
                long match = matchIndexes.length == followers.size() ? matchIndexes[i] : -1;
                long lastContact = now - f.getLastRpcElapsedTimeMs();
                states.put(id, new QuorumDescription.ReplicaState(id, match, lastContact,
                    match >= highWatermark ? lastContact : -1));
            }
            states.put(config.nodeId(), new QuorumDescription.ReplicaState(config.nodeId(), leaderEnd, -1, now));
            RaftConfiguration conf = d.getRaftConf();
            Map<Integer, QuorumDescription.Endpoint> endpoints = new java.util.HashMap<>();
            allPeers(conf).forEach(p -> {
                String a = p.getAddress();
                int colon = a.lastIndexOf(':');
                endpoints.put(Integer.parseInt(p.getId().toString()), new QuorumDescription.Endpoint(
                    "QUORUM", a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))));
            });
            return Optional.of(new QuorumDescription(config.nodeId(), info.getCurrentTerm(), highWatermark,
                replicaStates(conf.getCurrentPeers(RaftPeerRole.FOLLOWER), states),
                replicaStates(conf.getCurrentPeers(RaftPeerRole.LISTENER), states), endpoints));
        } catch (IOException | RuntimeException e) {
            LOG.info("node {} could not describe the metadata quorum: {}", config.nodeId(), e.toString());
            return Optional.empty();
        }
    }

    private static List<QuorumDescription.ReplicaState> replicaStates(
            java.util.Collection<RaftPeer> peers, Map<Integer, QuorumDescription.ReplicaState> states) {
        return peers.stream().map(p -> Integer.parseInt(p.getId().toString())).sorted()
            .map(id -> states.getOrDefault(id, new QuorumDescription.ReplicaState(id, -1, -1, -1))).toList();
    }

    @Override
    public CompletableFuture<Void> addVoter(int nodeId) {
        return changeVoters(nodeId, true);
    }

    @Override
    public CompletableFuture<Void> removeVoter(int nodeId) {
        return changeVoters(nodeId, false);
    }

    /**
     * Promotes a listener or removes a voter with Ratis' setConfiguration on this node, which must
     * lead. {@link VoterChanges} decides whether it is safe from the members heard from within
     * three election timeouts; compare-and-set on the configuration it decided on, so a
     * concurrent change makes this one fail rather than be undone.
     */
    private CompletableFuture<Void> changeVoters(int nodeId, boolean add) {
        RaftServer s = server;
        try {
            if (s == null || closed || !s.getDivision(groupId).getInfo().isLeader()) {
                throw new VoterChangeException(VoterChangeException.Reason.NOT_LEADER,
                    "node " + config.nodeId() + " does not lead the metadata quorum");
            }
            RaftServer.Division d = s.getDivision(groupId);
            RaftConfiguration conf = d.getRaftConf();
            List<RaftPeer> voters = List.copyOf(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
            List<RaftPeer> listeners = List.copyOf(conf.getCurrentPeers(RaftPeerRole.LISTENER));
            Set<Integer> voterIds = ids(voters);
            Set<Integer> live = liveMembers(d.getInfo());
            Set<Integer> next = add ? VoterChanges.add(voterIds, ids(listeners), live, nodeId)
                : VoterChanges.remove(voterIds, live, nodeId);
            List<RaftPeer> newVoters = new ArrayList<>();
            List<RaftPeer> newListeners = new ArrayList<>();
            for (RaftPeer p : allPeers(conf)) {
                int id = Integer.parseInt(p.getId().toString());
                if (next.contains(id)) {
                    newVoters.add(RaftPeer.newBuilder(p).setStartupRole(RaftPeerRole.FOLLOWER).build());
                } else if (ids(listeners).contains(id)) {
                    newListeners.add(p);
                }
            }
            SetConfigurationRequest.Arguments change = SetConfigurationRequest.Arguments.newBuilder()
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .setServersInCurrentConf(voters).setListenersInCurrentConf(listeners)
                .setServersInNewConf(newVoters).setListenersInNewConf(newListeners)
                .build();
            LOG.info("node {} changes the metadata quorum's voters from {} to {}", config.nodeId(), voterIds, next);
            long timeoutMs = config.appendTimeout().toMillis() * 3;
            return s.setConfigurationAsync(new SetConfigurationRequest(clientId, selfId, groupId,
                    callIds.incrementAndGet(), change))
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .handle((reply, error) -> {
                    if (error != null || !reply.isSuccess()) {
                        Object why = error != null ? error : reply.getException();
                        throw new CompletionException(new VoterChangeException(VoterChangeException.Reason.FAILED,
                            "the quorum did not commit voters " + next + ": " + why));
                    }
                    LOG.info("the metadata quorum's voters are now {}", next);
                    return null;
                });
        } catch (VoterChangeException e) {
            return CompletableFuture.failedFuture(e);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new VoterChangeException(VoterChangeException.Reason.FAILED,
                "voter change refused by Ratis: " + e));
        }
    }

    private Set<Integer> liveMembers(DivisionInfo info) {
        long bound = config.electionTimeoutMax().toMillis() * 3;
        Set<Integer> live = new HashSet<>();
        live.add(config.nodeId());
        for (ServerRpcProto f : info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
            if (f.getLastRpcElapsedTimeMs() <= bound) {
                live.add(Integer.parseInt(f.getId().getId().toStringUtf8()));
            }
        }
        return live;
    }

    /** Voters and listeners ({@code getAllPeers()} alone gives the voters). */
    private static List<RaftPeer> allPeers(RaftConfiguration conf) {
        List<RaftPeer> all = new ArrayList<>(conf.getAllPeers(RaftPeerRole.FOLLOWER));
        all.addAll(conf.getAllPeers(RaftPeerRole.LISTENER));
        return all;
    }

    private static Set<Integer> ids(java.util.Collection<RaftPeer> peers) {
        Set<Integer> ids = new HashSet<>();
        peers.forEach(p -> ids.add(Integer.parseInt(p.getId().toString())));
        return ids;
    }

    @Override
    public Optional<ControllerLocation> activeController() {
        RaftServer s = server;
        if (s == null || closed) {
            return Optional.empty();
        }
        try {
            DivisionInfo info = s.getDivision(groupId).getInfo();
            RaftPeerId leader = info.getLeaderId();
            if (leader == null) {
                return Optional.empty();
            }
            int id = Integer.parseInt(leader.toString());
            long term = info.getCurrentTerm();
            // A promoted listener is in the replicated configuration, not in the others' static one.
            Optional<ControllerLocation> fromConf = controllerEndpoint(
                s.getDivision(groupId).getRaftConf().getPeer(leader))
                .map(hp -> new ControllerLocation(id, term, hp.host(), hp.port()));
            return fromConf.or(() -> config.peer(id).map(p -> new ControllerLocation(id, term,
                p.host(), p.controllerPort())));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Leaves the quorum. A leader first hands leadership to another voter (bounded by
     * {@link #HANDOFF_TIMEOUT_MS}) so a planned restart costs one round of replication rather
     * than an election timeout.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        handOffLeadership();
        stop();
    }

    /** Stops without handing off leadership, as a crash would (tests measure failover so). */
    synchronized void crash() {
        if (!closed) {
            stop();
        }
    }

    private void handOffLeadership() {
        RaftServer s = server;
        if (s == null || voterIds().size() < 2) {
            return;
        }
        try {
            DivisionInfo info = s.getDivision(groupId).getInfo();
            if (!info.isLeader()) {
                return;
            }
            // The voter heard from most recently is the likeliest to be up and caught up.
            List<String> voterIds = voterIds().stream()
                .filter(id -> id != config.nodeId())
                .map(id -> Integer.toString(id)).toList();
            RaftPeerId successor = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList()
                .stream()
                .filter(f -> voterIds.contains(f.getId().getId().toStringUtf8()))
                .min(java.util.Comparator.comparingLong(ServerRpcProto::getLastRpcElapsedTimeMs))
                .map(f -> RaftPeerId.valueOf(f.getId().getId()))
                .orElse(RaftPeerId.valueOf(voterIds.get(0)));
            RaftClientReply reply = s.transferLeadershipAsync(new TransferLeadershipRequest(
                    clientId, selfId, groupId, callIds.incrementAndGet(), successor,
                    HANDOFF_TIMEOUT_MS))
                .get(HANDOFF_TIMEOUT_MS + 500, TimeUnit.MILLISECONDS);
            LOG.info("node {} handed leadership to {}: {}", config.nodeId(), successor,
                reply.isSuccess() ? "done" : "not done (" + reply.getException() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.info("node {} could not hand off leadership before closing: {}", config.nodeId(),
                e.toString());
        }
    }

    private void stop() {
        closed = true;
        RaftServer s = server;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.warn("closing metadata quorum member {} failed", selfId, e);
            }
        }
        post(() -> {
            if (activeEpoch >= 0 && listener != null) {
                listener.onLeadershipLost(activeEpoch);
            }
            activeEpoch = -1;
        });
        events.shutdown();
        try {
            if (!events.awaitTermination(5, TimeUnit.SECONDS)) {
                events.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private NotControllerException notController(String message) {
        return new NotControllerException(message, activeController());
    }

    private RaftGroup group() {
        List<RaftPeer> peers = new ArrayList<>();
        config.voters().forEach(p -> peers.add(peer(p, RaftPeerRole.FOLLOWER)));
        config.listeners().forEach(p -> peers.add(peer(p, RaftPeerRole.LISTENER)));
        return RaftGroup.valueOf(groupId, peers);
    }

    /**
     * The Raft peer of {@code p}. Its client address (unused by the Netty transport, which dials
     * {@code address} only) carries the node's Kafka controller endpoint, so the replicated
     * configuration tells every node where a promoted listener serves as controller.
     */
    private static RaftPeer peer(QuorumPeer p, RaftPeerRole role) {
        RaftPeer.Builder b = RaftPeer.newBuilder().setId(peerId(p.nodeId())).setAddress(p.address())
            .setStartupRole(role);
        if (p.controllerPort() > 0) {
            b.setClientAddress(p.host() + ":" + p.controllerPort());
        }
        return b.build();
    }

    private record HostPort(String host, int port) {
    }

    private static Optional<HostPort> controllerEndpoint(RaftPeer peer) {
        if (peer == null || peer.getClientAddress() == null) {
            return Optional.empty();
        }
        String a = peer.getClientAddress();
        int colon = a.lastIndexOf(':');
        try {
            return colon <= 0 ? Optional.empty()
                : Optional.of(new HostPort(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }


    private static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(Integer.toString(nodeId));
    }

    private RaftProperties properties() {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.NETTY);
        NettyConfigKeys.Server.setHost(p, config.self().host());
        NettyConfigKeys.Server.setPort(p, config.self().quorumPort());
        RaftServerConfigKeys.setStorageDir(p, List.of(config.storageDir().toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(
            config.electionTimeoutMin().toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(
            config.electionTimeoutMax().toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEveryEntries());
        RaftServerConfigKeys.Snapshot.setCreationGap(p, config.snapshotEveryEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, config.snapshotsRetained());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, config.snapshotEveryEntries()));
        long segment = config.logSegmentBytes();
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(segment));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(segment, 1 << 20)));
        return p;
    }

    /** Runs on the event thread; after close, events are dropped (nobody listens any more). */
    private void post(Runnable event) {
        try {
            events.execute(() -> {
                try {
                    event.run();
                } catch (RuntimeException e) {
                    LOG.error("metadata listener of node {} failed", config.nodeId(), e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("node {} is closed; dropping a metadata event", config.nodeId());
        }
    }

    /** Moves state machine events onto the event thread, preserving their order. */
    private final class Forwarder implements MetadataStateMachine.Events {
        @Override
        public void snapshotLoaded(MetadataImage image) {
            post(() -> listener.onSnapshot(image));
        }

        @Override
        public void committed(long offset, long epoch, List<MetadataRecord> records) {
            post(() -> listener.onCommit(offset, epoch, records));
        }

        @Override
        public void leaderReady(long term) {
            post(() -> {
                if (activeEpoch == term) {
                    return;
                }
                if (activeEpoch >= 0) {
                    listener.onLeadershipLost(activeEpoch);
                }
                activeEpoch = term;
                listener.onLeadershipGained(term);
                listener.onControllerChanged(activeController());
            });
        }

        @Override
        public void leaderChanged(RaftPeerId leader) {
            post(() -> {
                if (activeEpoch >= 0 && !selfId.equals(leader)) {
                    listener.onLeadershipLost(activeEpoch);
                    activeEpoch = -1;
                }
                listener.onControllerChanged(activeController());
            });
        }
    }
}
