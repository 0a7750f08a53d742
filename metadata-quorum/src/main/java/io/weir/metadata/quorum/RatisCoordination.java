package io.weir.metadata.quorum;

import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.Coordination;
import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.coordination.NotControllerException;
import io.weir.controller.coordination.QuorumDescription;
import io.weir.controller.coordination.QuorumMembership;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
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
    private static final long HANDOFF_TIMEOUT_MS = 3000;

    private final RatisConfig config;
    private final RaftGroupId groupId;
    private final RaftPeerId selfId;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final BatchCodec codec = new BatchCodec();
    private final ExecutorService events;
    private final RatisMembership membership;
    private volatile CoordinationListener listener;
    private volatile RaftServer server;
    private volatile MetadataStateMachine stateMachine;
    private volatile boolean closed;
    // Event-thread state.
    private long activeEpoch = -1;

    public RatisCoordination(RatisConfig config) {
        this.config = config;
        this.groupId = RatisSettings.groupId(config.clusterId());
        this.selfId = RatisSettings.peerId(config.nodeId());
        this.events = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "weir-quorum-events-" + config.nodeId());
                t.setDaemon(true);
                return t;
            });
        this.membership = new RatisMembership(config, groupId, selfId, clientId, callIds,
            () -> server, () -> closed);
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
                .setGroup(RatisSettings.group(config, groupId))
                .setStateMachine(stateMachine)
                .setProperties(RatisSettings.properties(config))
                .setParameters(RatisSettings.parameters(config))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start metadata quorum member " + selfId, e);
        }
        LOG.info("node {} joined the metadata quorum as a {} at {} ({})", config.nodeId(),
            config.isVoter() ? "voter" : "listener", config.self().address(),
            config.tls() != null ? "gRPC, mutual TLS" : "Netty, plaintext");
        if (!config.isVoter()) {
            Thread joiner = new Thread(membership::joinAsListener, "weir-quorum-join-" + config.nodeId());
            joiner.setDaemon(true);
            joiner.start();
        }
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
        return membership.memberIds(RaftPeerRole.LISTENER);
    }

    /**
     * Node ids of the voters in this node's view of the Raft configuration: the static voters
     * until a voter change, then whatever the replicated configuration says.
     */
    public List<Integer> voterIds() {
        return membership.memberIds(RaftPeerRole.FOLLOWER);
    }

    /**
     * Removes a decommissioned broker's listener membership, so the leader stops replicating
     * to it. Callable on any member (the request goes to the leader); compare-and-set on the
     * current configuration, so it never undoes a concurrent change (it fails instead).
     */
    public CompletableFuture<Void> removeListener(int nodeId) {
        return membership.removeListener(nodeId);
    }

    /**
     * The quorum as this node's Raft leader sees it: the term, the commit index as high
     * watermark, and each member's match index and time of last contact as Ratis reports them.
     * Empty unless this node leads (followers do not know the others' progress).
     */
    @Override
    public Optional<QuorumDescription> describeQuorum() {
        return membership.describeQuorum();
    }

    @Override
    public CompletableFuture<Void> addVoter(int nodeId) {
        return membership.changeVoters(nodeId, true);
    }

    @Override
    public CompletableFuture<Void> removeVoter(int nodeId) {
        return membership.changeVoters(nodeId, false);
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
            Optional<ControllerLocation> fromConf = RatisSettings.controllerEndpoint(
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
