package io.weir.metadata.quorum;

import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.MetadataRecord;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Issue 19's second attack: a Raft client that reaches the quorum port, knows the group id
 * (derived from the cluster id) and even the current controller epoch, sends a well-formed
 * metadata batch. The leader refuses it, says nothing about its role or term, and nothing is
 * committed, while the controller itself still writes.
 */
class ForeignWriterTest {
    @TempDir
    Path dir;

    @Test
    void aForeignRaftClientCannotCommitAMetadataRecord() throws Exception {
        try (QuorumCluster cluster = new QuorumCluster(dir, 3, 0, 10_000).startAll()) {
            int active = cluster.awaitActive();
            long epoch = cluster.node(active).controller().activeEpoch();
            RaftGroupId groupId = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
                ("weir-metadata/" + RatisConfig.of(1, cluster.voters(), List.of(), dir).clusterId())
                    .getBytes(StandardCharsets.UTF_8)));
            List<RaftPeer> peers = cluster.voters().stream().map(p -> RaftPeer.newBuilder()
                .setId(RaftPeerId.valueOf(Integer.toString(p.nodeId()))).setAddress(p.address()).build()).toList();
            RaftProperties properties = new RaftProperties();
            RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
            List<MetadataRecord> forged = List.of(new ConfigRecord(ConfigResource.topic("payments"), "retention.ms", "1"));

            try (RaftClient outsider = RaftClient.newBuilder().setRaftGroup(RaftGroup.valueOf(groupId, peers))
                .setProperties(properties).build()) {
                Throwable failure = catchThrowable(() -> {
                    RaftClientReply reply = outsider.io().send(Message.valueOf(new BatchCodec().encode(epoch, forged)));
                    assertThat(reply.isSuccess()).isFalse();
                    throw reply.getException();
                });
                assertThat(failure).isNotNull();
                assertThat(String.valueOf(failure.getMessage())).contains("metadata writes are refused")
                    .doesNotContainIgnoringCase("term").doesNotContainIgnoringCase("leader");
            }

            for (QuorumCluster.Node node : cluster.running().values()) {
                assertThat(node.controller().image().configs(ConfigResource.topic("payments"))).isEmpty();
            }
            // The node's own controller still commits.
            long before = cluster.node(active).controller().image().offset();
            assertThat(cluster.write(c -> c.registerBroker(new io.weir.controller.broker.BrokerRegistrationRequest(1,
                new UUID(1, 1), List.of(), null))).status().isOk()).isTrue();
            assertThat(cluster.node(active).controller().image().offset()).isGreaterThan(before);
        }
    }
}
