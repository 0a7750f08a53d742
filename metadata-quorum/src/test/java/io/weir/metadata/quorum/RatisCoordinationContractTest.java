package io.weir.metadata.quorum;

import io.weir.controller.coordination.Coordination;
import io.weir.controller.coordination.CoordinationContractTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

class RatisCoordinationContractTest extends CoordinationContractTest {

    @Override
    protected List<Coordination> createMembers(int n, Path dir) {
        List<QuorumPeer> voters = new ArrayList<>();
        for (int id = 1; id <= n; id++) {
            voters.add(new QuorumPeer(id, "127.0.0.1", QuorumCluster.freePort(), 0));
        }
        List<Coordination> members = new ArrayList<>();
        for (QuorumPeer p : voters) {
            members.add(new RatisCoordination(RatisConfig.of(p.nodeId(), voters, List.of(),
                    dir.resolve("node-" + p.nodeId()))
                .withElectionTimeout(Duration.ofMillis(QuorumCluster.ELECTION_MIN_MS),
                    Duration.ofMillis(QuorumCluster.ELECTION_MAX_MS))));
        }
        return members;
    }

    @Override
    protected void crash(Coordination member) {
        ((RatisCoordination) member).crash();
    }
}
