package io.weir.metadata.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;

class RatisMembershipTest {
    private static RaftPeer peer(String id, String address, RaftPeerRole role) {
        return RaftPeer.newBuilder().setId(id).setAddress(address).setStartupRole(role).build();
    }

    @Test
    void aJoiningListenerIsAddedToTheOthersNotInsteadOfThem() {
        RaftPeer seven = peer("7", "h:7", RaftPeerRole.LISTENER);
        RaftPeer eight = peer("8", "h:8", RaftPeerRole.LISTENER);
        assertThat(RatisMembership.withListener(List.of(seven), eight)).containsExactly(seven, eight);
        assertThat(RatisMembership.withListener(List.of(), eight)).containsExactly(eight);
    }

    @Test
    void aRejoiningListenerReplacesItsOldEntry() {
        RaftPeer seven = peer("7", "h:7", RaftPeerRole.LISTENER);
        RaftPeer oldEight = peer("8", "old:8", RaftPeerRole.LISTENER);
        RaftPeer newEight = peer("8", "new:8", RaftPeerRole.LISTENER);
        List<RaftPeer> next = RatisMembership.withListener(List.of(oldEight, seven), newEight);
        assertThat(next).containsExactly(seven, newEight);
        assertThat(next.get(1).getAddress()).isEqualTo("new:8");
    }

    @Test
    void aGroupSplitsIntoVotersAndListenersByRole() {
        RaftPeer one = peer("1", "h:1", RaftPeerRole.FOLLOWER);
        RaftPeer seven = peer("7", "h:7", RaftPeerRole.LISTENER);
        assertThat(RatisMembership.withRole(List.of(one, seven), RaftPeerRole.FOLLOWER)).containsExactly(one);
        assertThat(RatisMembership.withRole(List.of(one, seven), RaftPeerRole.LISTENER)).containsExactly(seven);
    }
}
