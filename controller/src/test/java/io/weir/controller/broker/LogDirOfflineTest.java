package io.weir.controller.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.ApiError;
import io.weir.controller.Fixtures;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.partition.AlterPartitionReply;
import io.weir.controller.partition.AlterPartitionRequest;
import io.weir.controller.partition.PartitionControlManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A broker whose heartbeats report its data directory offline (full or failed), stepping the managers by hand. */
class LogDirOfflineTest {
    private final Fixtures f = new Fixtures();
    private final PartitionControlManager partitions =
        new PartitionControlManager(f.brokers.heartbeats()::isLogDirOffline);

    private BrokerHeartbeatReply heartbeat(int id, boolean logDirOffline) {
        return f.apply(f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(id,
            f.image.broker(id).orElseThrow().epoch(), f.image.offset(), false, false, logDirOffline), f.nowMs));
    }

    @Test
    void itsLeadershipsMoveToInSyncReplicasAndItLeavesTheIsrButStaysUnfenced() {
        f.addLiveBroker(1, null);
        f.addLiveBroker(2, null);
        f.addLiveBroker(3, null);
        f.createTopic("t", 6, 3);
        assertThat(f.image.topic("t").orElseThrow().partitions().values()).anyMatch(p -> p.leader() == 1);

        BrokerHeartbeatReply reply = heartbeat(1, true);

        assertThat(reply.isFenced()).isFalse();
        assertThat(f.image.isLive(1)).as("still serves reads and metadata").isTrue();
        for (PartitionRegistration p : f.image.topic("t").orElseThrow().partitions().values()) {
            assertThat(p.leader()).isIn(2, 3);
            assertThat(p.isr()).containsExactlyInAnyOrder(2, 3);
            assertThat(p.replicas()).contains(1);
        }
        long offset = f.image.offset();
        heartbeat(1, true);
        assertThat(f.image.offset()).as("nothing more to change").isEqualTo(offset);
    }

    @Test
    void aPartitionWithNoOtherLiveInSyncReplicaKeepsItsLeaderSoItStaysReadable() {
        f.addLiveBroker(1, null);
        f.createTopic("solo", 1, 1);
        heartbeat(1, true);
        PartitionRegistration p = f.image.topic("solo").orElseThrow().partition(0);
        assertThat(p.leader()).isEqualTo(1);
        assertThat(p.isr()).containsExactly(1);
    }

    @Test
    void itCannotRejoinAnIsrUntilItsDirectoryIsBack() {
        f.addLiveBroker(1, null);
        f.addLiveBroker(2, null);
        f.createTopic("t", 1, 2);
        heartbeat(1, true);
        PartitionRegistration p = f.image.topic("t").orElseThrow().partition(0);
        assertThat(p.isr()).containsExactly(2);

        AlterPartitionReply refused = f.apply(partitions.alterPartition(f.image, expand(p)));
        assertThat(refused.status().error()).isEqualTo(ApiError.INELIGIBLE_REPLICA);

        heartbeat(1, false);
        AlterPartitionReply accepted = f.apply(partitions.alterPartition(f.image, expand(p)));
        assertThat(accepted.status().isOk()).isTrue();
        assertThat(f.image.topic("t").orElseThrow().partition(0).isr()).containsExactlyInAnyOrder(1, 2);
    }

    private AlterPartitionRequest expand(PartitionRegistration p) {
        List<Integer> isr = new ArrayList<>(p.isr());
        isr.add(1);
        return new AlterPartitionRequest(p.leader(), f.image.broker(p.leader()).orElseThrow().epoch(),
            f.image.topic("t").orElseThrow().id(), 0, p.leaderEpoch(), isr, p.partitionEpoch());
    }
}
