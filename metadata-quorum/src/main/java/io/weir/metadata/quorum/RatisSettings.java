package io.weir.metadata.quorum;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * How a {@link RatisConfig} becomes Ratis' own terms: the {@link RaftProperties} of the server and
 * its clients, the Raft group id of a cluster, the Raft peers of the static voters and listeners,
 * and the node ids and Kafka controller endpoints read back from peers of a Raft configuration.
 * Pure translation, no I/O; {@link RatisCoordination} and {@link RatisMembership} share it.
 */
final class RatisSettings {
    private RatisSettings() {
    }

    /** A controller endpoint carried in a peer's client address. */
    record HostPort(String host, int port) {
    }

    /** The Raft group of cluster {@code clusterId}: also the name of its directory in the storage dir. */
    static RaftGroupId groupId(String clusterId) {
        return RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes(("weir-metadata/" + clusterId).getBytes(StandardCharsets.UTF_8)));
    }

    static RaftGroup group(RatisConfig config, RaftGroupId groupId) {
        List<RaftPeer> peers = new ArrayList<>();
        config.voters().forEach(p -> peers.add(peer(config, p, RaftPeerRole.FOLLOWER)));
        config.listeners().forEach(p -> peers.add(peer(config, p, RaftPeerRole.LISTENER)));
        return RaftGroup.valueOf(groupId, peers);
    }

    /**
     * The Raft peer of {@code p} in a cluster configured as {@code config}. An address the
     * transport does not dial carries the node's Kafka controller endpoint, so the replicated
     * configuration tells every node where a promoted listener serves as controller: the client
     * address on Netty (which dials {@code address} only), the data stream address on gRPC (whose
     * clients dial the client address; Weir never opens a Ratis data stream).
     */
    static RaftPeer peer(RatisConfig config, QuorumPeer p, RaftPeerRole role) {
        RaftPeer.Builder b = RaftPeer.newBuilder().setId(peerId(p.nodeId())).setAddress(p.address())
            .setStartupRole(role);
        if (p.controllerPort() > 0) {
            String controller = p.host() + ":" + p.controllerPort();
            if (config.tls() != null) {
                b.setDataStreamAddress(controller);
            } else {
                b.setClientAddress(controller);
            }
        }
        return b.build();
    }

    /**
     * {@code peers} of a Raft configuration as this node's Raft clients may dial them: on gRPC
     * without a client address, where a configuration written while the cluster ran on Netty
     * keeps a controller endpoint (gRPC clients would dial it).
     */
    static List<RaftPeer> dialable(RatisConfig config, Collection<RaftPeer> peers) {
        if (config.tls() == null) {
            return List.copyOf(peers);
        }
        return peers.stream().map(p -> RaftPeer.newBuilder(p).setClientAddress((String) null).build()).toList();
    }

    static Optional<HostPort> controllerEndpoint(RaftPeer peer) {
        if (peer == null) {
            return Optional.empty();
        }
        String a = Optional.ofNullable(peer.getDataStreamAddress()).filter(s -> !s.isEmpty())
            .orElse(peer.getClientAddress());
        if (a == null) {
            return Optional.empty();
        }
        int colon = a.lastIndexOf(':');
        try {
            return colon <= 0 ? Optional.empty()
                : Optional.of(new HostPort(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(Integer.toString(nodeId));
    }

    /** Voters and listeners ({@code getAllPeers()} alone gives the voters). */
    static List<RaftPeer> allPeers(RaftConfiguration conf) {
        List<RaftPeer> all = new ArrayList<>(conf.getAllPeers(RaftPeerRole.FOLLOWER));
        all.addAll(conf.getAllPeers(RaftPeerRole.LISTENER));
        return all;
    }

    static Set<Integer> ids(Collection<RaftPeer> peers) {
        Set<Integer> ids = new HashSet<>();
        peers.forEach(p -> ids.add(Integer.parseInt(p.getId().toString())));
        return ids;
    }

    /**
     * The transport's settings: plaintext Netty, or with {@link RatisConfig#tls()} gRPC, whose
     * server, admin and client services then share the quorum port (Ratis' default when their
     * own ports are unset).
     */
    static RaftProperties properties(RatisConfig config) {
        RaftProperties p = new RaftProperties();
        if (config.tls() != null) {
            RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
            GrpcConfigKeys.Server.setHost(p, config.self().host());
            GrpcConfigKeys.Server.setPort(p, config.self().quorumPort());
        } else {
            RaftConfigKeys.Rpc.setType(p, SupportedRpcType.NETTY);
            NettyConfigKeys.Server.setHost(p, config.self().host());
            NettyConfigKeys.Server.setPort(p, config.self().quorumPort());
        }
        RaftServerConfigKeys.setStorageDir(p, List.of(config.storageDir().toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(
            config.electionTimeoutMin().toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(
            config.electionTimeoutMax().toMillis(), TimeUnit.MILLISECONDS));
        // A server's first election comes sooner: a fresh cluster has no leader to wait for, and a
        // restarted voter's early pre-vote is refused by peers that still hear from their leader.
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(
            firstElectionTimeoutMin(config).toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(
            2 * firstElectionTimeoutMin(config).toMillis(), TimeUnit.MILLISECONDS));
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

    /**
     * The lower bound of a server's first election timeout after it starts: a fifth of the
     * election timeout's (up to twice that), so a fresh cluster elects its controller in
     * a few hundred milliseconds rather than one to two seconds. Pre-vote (Ratis' default)
     * keeps it from disrupting a running quorum.
     */
    static java.time.Duration firstElectionTimeoutMin(RatisConfig config) {
        return config.electionTimeoutMin().dividedBy(5);
    }

    /**
     * The parameters of the server and of this node's Raft clients: with {@link RatisConfig#tls()},
     * one mutual-TLS setting that Ratis' gRPC factory applies to the server, admin and client
     * services and to the channels this node opens to other members (certificate required both
     * ways); nothing on plaintext.
     */
    static Parameters parameters(RatisConfig config) {
        Parameters parameters = new Parameters();
        QuorumTls tls = config.tls();
        if (tls != null) {
            GrpcConfigKeys.TLS.setConf(parameters,
                new GrpcTlsConfig(tls.keyManager(), tls.trustManager(), true));
        }
        return parameters;
    }
}
