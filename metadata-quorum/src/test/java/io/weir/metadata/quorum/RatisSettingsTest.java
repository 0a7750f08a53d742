package io.weir.metadata.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RatisSettingsTest {
    @TempDir
    Path dir;

    @Test
    void aServersFirstElectionComesSoonerThanLaterOnes() {
        RatisConfig config = RatisConfig.of(1, RatisConfig.defaultVoters("127.0.0.1", 1), List.of(), dir);
        RaftProperties p = RatisSettings.properties(config);
        assertThat(RaftServerConfigKeys.Rpc.timeoutMin(p).toLong(TimeUnit.MILLISECONDS)).isEqualTo(1_000);
        assertThat(RaftServerConfigKeys.Rpc.timeoutMax(p).toLong(TimeUnit.MILLISECONDS)).isEqualTo(2_000);
        assertThat(RaftServerConfigKeys.Rpc.firstElectionTimeoutMin(p).toLong(TimeUnit.MILLISECONDS)).isEqualTo(200);
        assertThat(RaftServerConfigKeys.Rpc.firstElectionTimeoutMax(p).toLong(TimeUnit.MILLISECONDS)).isEqualTo(400);
        assertThat(RaftServerConfigKeys.LeaderElection.preVote(p)).as("what keeps an early vote from disrupting").isTrue();
    }
}
