package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class QuorumCommandTest {

    @Test
    void statusShowsEachMembersLagBehindTheLeader() {
        List<String> lines = QuorumCommand.lines(2, 7, 120, List.of(
                new QuorumCommand.Member(2, "leader", 121, OptionalLong.empty()),
                new QuorumCommand.Member(1, "voter", 121, OptionalLong.of(9_950)),
                new QuorumCommand.Member(4, "voter", 100, OptionalLong.of(9_000)),
                new QuorumCommand.Member(5, "listener", -1, OptionalLong.empty())), 10_000);
        assertThat(lines.get(0)).isEqualTo("leader: 2  epoch: 7  high watermark: 120");
        assertThat(lines.get(2)).matches("2 +leader +121 +0 -");
        assertThat(lines.get(3)).matches("1 +voter +121 +0 50 ms ago");
        assertThat(lines.get(4)).matches("4 +voter +100 +21 1000 ms ago");
        assertThat(lines.get(5)).matches("5 +listener +\\? +\\? never");
    }
}
