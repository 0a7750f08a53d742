package io.weir.metadata.quorum;

import static io.weir.metadata.quorum.RatisSettings.allPeers;
import static io.weir.metadata.quorum.RatisSettings.ids;
import static io.weir.metadata.quorum.RatisSettings.peer;
import static io.weir.metadata.quorum.RatisSettings.peerId;

import io.weir.controller.coordination.QuorumDescription;
import io.weir.controller.coordination.VoterChangeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The membership side of {@link RatisCoordination}: who is in the Raft configuration and how it
 * changes. It owns a listener's join (ADD of itself) and a decommissioned listener's removal,
 * the voters and listeners in this node's view, add-voter and remove-voter (checked by
 * {@link VoterChanges}, committed compare-and-set) and DescribeQuorum's view from the leader. It
 * holds no state of its own: it reads the running server and the closed flag of its
 * {@link RatisCoordination} through suppliers.
 */
final class RatisMembership {
    // The coordination's logger, so log settings that name it still cover membership changes.
    private static final Logger LOG = LoggerFactory.getLogger(RatisCoordination.class);
    private static final int JOIN_ATTEMPTS = 120;
    private static final long JOIN_RETRY_MS = 1000;
    private static final int REMOVE_ATTEMPTS = 10;
    private static final long REMOVE_RETRY_MS = 500;

    private final RatisConfig config;
    private final RaftGroupId groupId;
    private final RaftPeerId selfId;
    private final ClientId clientId;
    private final AtomicLong callIds;
    private final Supplier<RaftServer> server;
    private final BooleanSupplier closed;

    RatisMembership(RatisConfig config, RaftGroupId groupId, RaftPeerId selfId, ClientId clientId,
                    AtomicLong callIds, Supplier<RaftServer> server, BooleanSupplier closed) {
        this.config = config;
        this.groupId = groupId;
        this.selfId = selfId;
        this.clientId = clientId;
        this.callIds = callIds;
        this.server = server;
        this.closed = closed;
    }

    /**
     * A listener that the voters do not know yet (a broker added to a running cluster) asks the
     * leader to add it to the Raft configuration: it reads the configuration from the leader and
     * sets it, compare-and-set, to the same voters and listeners plus itself, so concurrent joins
     * and removals do not undo each other (the loser sees a mismatch and tries again). Not Ratis'
     * ADD mode: Ratis 3.2 builds the new listener list of an ADD from the request alone
     * ({@code LeaderStateImpl.startSetConfiguration}), so every listener but the joining one would
     * be dropped. A member that is already known is a no-op. Bounded retries.
     */
    void joinAsListener() {
        if (isVoterInRaftConf()) {
            // Promoted by add-voter in an earlier run: the recovered Raft configuration says so.
            LOG.info("node {} is a voter of the metadata quorum (promoted earlier)", config.nodeId());
            return;
        }
        RaftPeer self = peer(config, config.self(), RaftPeerRole.LISTENER);
        List<RaftPeer> voters = config.voters().stream()
            .map(p -> peer(config, p, RaftPeerRole.FOLLOWER)).toList();
        for (int attempt = 1; attempt <= JOIN_ATTEMPTS && !closed.getAsBoolean(); attempt++) {
            try (RaftClient client = RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(groupId, voters))
                .setProperties(RatisSettings.properties(config))
                .setParameters(RatisSettings.parameters(config))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                    voters.size() * 2, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build()) {
                Optional<GroupInfoReply> leader = leaderInfo(client, voters);
                if (leader.isEmpty()) {
                    LOG.info("join attempt {} of node {}: no voter of the metadata quorum answered",
                        attempt, config.nodeId());
                } else if (joined(client, leader.get(), self, attempt)) {
                    return;
                }
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

    /** One compare-and-set of the leader's configuration plus {@code self}: whether it is in. */
    private boolean joined(RaftClient client, GroupInfoReply leader, RaftPeer self, int attempt)
            throws IOException {
        // Ratis 3.2 leaves the reply's conf out on the wire; its group lists every member of the
        // configuration, each with its role as the configuration records it.
        List<RaftPeer> voters = withRole(leader.getGroup().getPeers(), RaftPeerRole.FOLLOWER);
        List<RaftPeer> listeners = withRole(leader.getGroup().getPeers(), RaftPeerRole.LISTENER);
        if (ids(voters).contains(config.nodeId()) || ids(listeners).contains(config.nodeId())) {
            LOG.info("node {} is a member of the metadata quorum", config.nodeId());
            return true;
        }
        SetConfigurationRequest.Arguments join = SetConfigurationRequest.Arguments.newBuilder()
            .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
            .setServersInCurrentConf(voters).setListenersInCurrentConf(listeners)
            .setServersInNewConf(voters).setListenersInNewConf(withListener(listeners, self))
            .build();
        RaftClientReply reply = client.admin().setConfiguration(join);
        if (reply.isSuccess()) {
            LOG.info("node {} is a listener of the metadata quorum", config.nodeId());
            return true;
        }
        LOG.info("join attempt {} of node {} failed: {}", attempt, config.nodeId(),
            reply.getException());
        return false;
    }

    /**
     * The group info of whichever voter says it leads, else of any voter that answers (its view
     * may lag; the compare-and-set then fails and the join tries again), else empty.
     */
    private Optional<GroupInfoReply> leaderInfo(RaftClient client, List<RaftPeer> voters) {
        GroupInfoReply any = null;
        for (RaftPeer voter : voters) {
            try {
                GroupInfoReply info = client.getGroupManagementApi(voter.getId()).info(groupId);
                if (!info.isSuccess()) {
                    continue;
                }
                if (info.getRoleInfoProto().getRole() == RaftPeerRole.LEADER) {
                    return Optional.of(info);
                }
                any = any == null ? info : any;
            } catch (IOException | RuntimeException e) {
                LOG.debug("voter {} did not answer node {}'s group info: {}", voter.getId(), config.nodeId(),
                    e.toString());
            }
        }
        return Optional.ofNullable(any);
    }

    /**
     * The members of a group with {@code role}: Ratis forms a configuration from a group by each
     * peer's startup role, and Weir gives every peer it puts in a configuration its role.
     */
    static List<RaftPeer> withRole(Collection<RaftPeer> peers, RaftPeerRole role) {
        return peers.stream().filter(p -> p.getStartupRole() == role).toList();
    }

    /** {@code listeners} with {@code self} added, or in place of an entry with its id. */
    static List<RaftPeer> withListener(List<RaftPeer> listeners, RaftPeer self) {
        List<RaftPeer> next = new ArrayList<>();
        listeners.stream().filter(p -> !p.getId().equals(self.getId())).forEach(next::add);
        next.add(self);
        return next;
    }

    /** Node ids of the non-voting members in this node's view of the Raft configuration. */
    List<Integer> listenerIds() {
        return memberIds(RaftPeerRole.LISTENER);
    }

    /**
     * Node ids of the voters in this node's view of the Raft configuration: the static voters
     * until a voter change, then whatever the replicated configuration says.
     */
    List<Integer> voterIds() {
        return memberIds(RaftPeerRole.FOLLOWER);
    }

    List<Integer> memberIds(RaftPeerRole role) {
        RaftServer s = server.get();
        if (s == null || closed.getAsBoolean()) {
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
            return server.get().getDivision(groupId).getRaftConf().getPeer(selfId, RaftPeerRole.FOLLOWER) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes a decommissioned broker's listener membership, so the leader stops replicating
     * to it. Callable on any member (the request goes to the leader); compare-and-set on the
     * configuration in this node's view, so it never undoes a concurrent change such as another
     * broker's join: on a mismatch (or a change still in progress) it reads again and retries,
     * up to {@value #REMOVE_ATTEMPTS} times, then fails with the last refusal.
     */
    CompletableFuture<Void> removeListener(int nodeId) {
        return CompletableFuture.runAsync(() -> {
            Throwable last = null;
            for (int attempt = 1; attempt <= REMOVE_ATTEMPTS && !closed.getAsBoolean(); attempt++) {
                try {
                    Optional<Throwable> refused = tryRemoveListener(nodeId);
                    if (refused.isEmpty()) {
                        return;
                    }
                    last = refused.get();
                    LOG.info("removing listener {} (attempt {}) was refused: {}", nodeId, attempt, last.toString());
                    Thread.sleep(REMOVE_RETRY_MS);
                } catch (IOException e) {
                    throw new CompletionException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CompletionException(e);
                }
            }
            throw new CompletionException(last != null ? last
                : new IOException("node " + config.nodeId() + " is closed"));
        });
    }

    /** One compare-and-set without {@code nodeId}'s listener: empty when it is gone, else why not. */
    private Optional<Throwable> tryRemoveListener(int nodeId) throws IOException {
        RaftConfiguration conf = server.get().getDivision(groupId).getRaftConf();
        List<RaftPeer> voters = List.copyOf(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
        List<RaftPeer> listeners = List.copyOf(conf.getCurrentPeers(RaftPeerRole.LISTENER));
        List<RaftPeer> remaining = listeners.stream()
            .filter(p -> !p.getId().equals(peerId(nodeId))).toList();
        if (remaining.size() == listeners.size()) {
            return Optional.empty();
        }
        SetConfigurationRequest.Arguments change = SetConfigurationRequest.Arguments
            .newBuilder()
            .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
            .setServersInCurrentConf(voters).setListenersInCurrentConf(listeners)
            .setServersInNewConf(voters).setListenersInNewConf(remaining)
            .build();
        try (RaftClient client = RaftClient.newBuilder()
            .setRaftGroup(RaftGroup.valueOf(groupId, RatisSettings.dialable(config, voters)))
            .setProperties(RatisSettings.properties(config))
            .setParameters(RatisSettings.parameters(config))
            .build()) {
            RaftClientReply reply = client.admin().setConfiguration(change);
            if (reply.isSuccess()) {
                return Optional.empty();
            }
            return Optional.of(reply.getException() != null ? reply.getException()
                : new IOException("the leader refused the configuration change"));
        }
    }

    /**
     * The quorum as this node's Raft leader sees it: the term, the commit index as high
     * watermark, and each member's match index and time of last contact as Ratis reports them.
     * Empty unless this node leads (followers do not know the others' progress).
     */
    Optional<QuorumDescription> describeQuorum() {
        RaftServer s = server.get();
        if (s == null || closed.getAsBoolean()) {
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

    /**
     * Promotes a listener or removes a voter with Ratis' setConfiguration on this node, which must
     * lead. {@link VoterChanges} decides whether it is safe from the members heard from within
     * three election timeouts; compare-and-set on the configuration it decided on, so a
     * concurrent change makes this one fail rather than be undone.
     */
    CompletableFuture<Void> changeVoters(int nodeId, boolean add) {
        RaftServer s = server.get();
        try {
            if (s == null || closed.getAsBoolean() || !s.getDivision(groupId).getInfo().isLeader()) {
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
}
