package io.weir.metadata.quorum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.MetadataRecord;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19's first half: with mutual TLS the quorum port accepts only holders of a certificate
 * from the cluster's CA. Members elect, commit, take in a listener and let it go, and change
 * voters over it; a Raft client without TLS, or with a certificate from another CA, and raw TLS
 * connections without a cluster certificate, reach nothing, and the metadata stays as the
 * controller wrote it.
 */
class QuorumTlsTest {
    private static final byte[] HTTP2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};

    @TempDir
    Path dir;

    @Test
    void onlyHoldersOfAClusterCertificateReachTheQuorum() throws Exception {
        TestCertificates clusterCa = new TestCertificates("weir cluster CA");
        TestCertificates otherCa = new TestCertificates("some other CA");
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).tls(clusterCa).startAll()) {
            int active = cluster.awaitActive();
            cluster.write(c -> c.registerBroker(new BrokerRegistrationRequest(1, new UUID(1, 1), List.of(), null)));
            // A broker added to the running cluster joins as a listener over TLS (Raft admin call) and learns the log.
            RatisCoordination leaderQuorum = cluster.node(active).coordination();
            QuorumCluster.Node listener = cluster.startUnannouncedListener(4);
            await().atMost(QuorumCluster.AWAIT).until(() -> leaderQuorum.listenerIds().contains(4));
            cluster.awaitConverged();
            assertThat(listener.controller().image().broker(1)).isPresent();
            // A second one joins too, and the first stays (issue 16).
            cluster.startUnannouncedListener(5);
            await().atMost(QuorumCluster.AWAIT).until(() -> leaderQuorum.listenerIds().equals(List.of(4, 5)));
            // A decommissioned broker leaves through a follower's Raft client (admin request, over TLS).
            RatisCoordination follower = cluster.node(cluster.anyFollower(active)).coordination();
            await().atMost(QuorumCluster.AWAIT).until(() -> follower.listenerIds().equals(List.of(4, 5)));
            follower.removeListener(4).get(60, TimeUnit.SECONDS);
            await().atMost(QuorumCluster.AWAIT).until(() -> leaderQuorum.listenerIds().equals(List.of(5)));
            cluster.crash(4);
            // Voter changes (KIP-853's add-voter / remove-voter) replicate over TLS too.
            // Retried while Ratis still commits the listener's own configuration change ("in progress").
            await().atMost(QuorumCluster.AWAIT).ignoreExceptions()
                .until(() -> leaderQuorum.addVoter(5).get(60, TimeUnit.SECONDS) == null);
            assertThat(leaderQuorum.voterIds()).containsExactly(1, 2, 3, 5);
            await().atMost(QuorumCluster.AWAIT).ignoreExceptions()
                .until(() -> leaderQuorum.removeVoter(5).get(60, TimeUnit.SECONDS) == null);
            assertThat(leaderQuorum.voterIds()).containsExactly(1, 2, 3);
            cluster.crash(5);

            long epoch = cluster.node(active).controller().activeEpoch();
            QuorumPeer leader = cluster.voters().stream().filter(p -> p.nodeId() == active).findFirst().orElseThrow();
            long offset = cluster.node(active).controller().image().offset();

            // A member's certificate reaches the state machine, which refuses a foreign write (the positive control).
            assertThat(String.valueOf(forgedWrite(cluster, epoch, clusterCa.node(9)).getMessage()))
                .contains("metadata writes are refused");
            // Without a cluster certificate nothing gets that far.
            Throwable plaintext = forgedWrite(cluster, epoch, null);
            Throwable foreignCert = forgedWrite(cluster, epoch,
                new QuorumTls(otherCa.node(9).keyManager(), clusterCa.trustManager()));
            assertThat(plaintext).isNotNull();
            assertThat(foreignCert).isNotNull();
            assertThat(String.valueOf(plaintext.getMessage())).doesNotContain("metadata writes are refused");
            assertThat(String.valueOf(foreignCert.getMessage())).doesNotContain("metadata writes are refused");

            // A member's certificate gets the gRPC server's HTTP/2 answer; without one, the connection fails.
            assertThat(rawTls(leader, clusterCa.node(9).keyManager(), clusterCa)).isNull();
            assertThat(rawTls(leader, null, clusterCa)).isInstanceOf(IOException.class);
            assertThat(rawTls(leader, otherCa.node(9).keyManager(), clusterCa)).isInstanceOf(IOException.class);
            assertThat(plainTcp(leader)).isFalse();

            for (QuorumCluster.Node node : cluster.running().values()) {
                assertThat(node.controller().image().configs(ConfigResource.topic("payments"))).isEmpty();
                assertThat(node.controller().image().offset()).isEqualTo(offset);
            }
        }
    }

    /** A Raft client sends a well-formed batch at the current epoch: the failure it gets. */
    private static Throwable forgedWrite(QuorumCluster cluster, long epoch, QuorumTls tls) {
        RatisConfig config = cluster.config(1).withTls(tls);
        List<MetadataRecord> forged = List.of(new ConfigRecord(ConfigResource.topic("payments"), "retention.ms", "1"));
        List<org.apache.ratis.protocol.RaftPeer> peers = cluster.voters().stream()
            .map(p -> RatisSettings.peer(config, p, RaftPeerRole.FOLLOWER)).toList();
        // With TLS the client speaks gRPC; a plaintext one on gRPC too, since that is what the port serves.
        RatisConfig transport = tls != null ? config : config.withTls(new TestCertificates("unused").node(9));
        try (RaftClient client = RaftClient.newBuilder()
            .setRaftGroup(RaftGroup.valueOf(RatisSettings.groupId(config.clusterId()), peers))
            .setProperties(RatisSettings.properties(transport))
            .setParameters(RatisSettings.parameters(config))
            .setRetryPolicy(RetryPolicies.noRetry())
            .build()) {
            return catchThrowable(() -> {
                RaftClientReply reply = client.io().send(Message.valueOf(new BatchCodec().encode(epoch, forged)));
                assertThat(reply.isSuccess()).isFalse();
                throw reply.getException();
            });
        } catch (IOException e) {
            return e;
        }
    }

    /** A TLS connection that trusts the cluster's CA and shows {@code key}'s certificate, if any: how it fails. */
    private static Throwable rawTls(QuorumPeer peer, KeyManager key, TestCertificates trusted) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(key == null ? null : new KeyManager[] {key}, new TrustManager[] {trusted.trustManager()}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(peer.host(), peer.quorumPort())) {
            socket.setSoTimeout(10_000);
            // gRPC's server speaks HTTP/2 over TLS only to clients that ask for it (ALPN "h2").
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            return catchThrowable(() -> {
                socket.startHandshake();
                socket.getOutputStream().write(HTTP2_PREFACE);
                socket.getOutputStream().write(EMPTY_SETTINGS);
                socket.getOutputStream().flush();
                byte[] header = socket.getInputStream().readNBytes(9);
                if (header.length < 9) {
                    throw new EOFException("closed by the quorum member");
                }
                assertThat(header[3]).as("an HTTP/2 SETTINGS frame").isEqualTo((byte) 4);
            });
        }
    }

    /** Whether a plaintext HTTP/2 (plain gRPC) connection gets an HTTP/2 frame back. */
    private static boolean plainTcp(QuorumPeer peer) throws IOException {
        try (Socket socket = new Socket(peer.host(), peer.quorumPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(HTTP2_PREFACE);
            socket.getOutputStream().write(EMPTY_SETTINGS);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            byte[] header = in.readNBytes(9);
            // An HTTP/2 server answers with its SETTINGS frame (type 4); a TLS server with an alert or nothing.
            return header.length == 9 && header[3] == 4;
        } catch (IOException e) {
            return false;
        }
    }
}
