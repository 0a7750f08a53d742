package io.weir.zk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;

/** What a failed fenced write means: refused, taken, or unknown. */
class ZooKeeperWriteOutcomeTest {

    @Test
    void aMovedEpochVersionOrAMissingControllerZnodeMeansFenced() {
        assertThat(WriteOutcome.of(new KeeperException.BadVersionException("/weir/controller_epoch")))
            .isEqualTo(WriteOutcome.FENCED);
        assertThat(WriteOutcome.of(new KeeperException.NoNodeException("/weir/controller")))
            .isEqualTo(WriteOutcome.FENCED);
    }

    @Test
    void anExistingHeadIsReportedForTheTokenCheck() {
        assertThat(WriteOutcome.of(new KeeperException.NodeExistsException("/weir/metadata/log/x")))
            .isEqualTo(WriteOutcome.HEAD_EXISTS);
    }

    @Test
    void aLostConnectionOrAnythingElseLeavesTheOutcomeUnknown() {
        assertThat(WriteOutcome.of(new KeeperException.ConnectionLossException())).isEqualTo(WriteOutcome.UNKNOWN);
        assertThat(WriteOutcome.of(new KeeperException.SessionExpiredException())).isEqualTo(WriteOutcome.UNKNOWN);
        assertThat(WriteOutcome.of(new KeeperException.OperationTimeoutException())).isEqualTo(WriteOutcome.UNKNOWN);
        assertThat(WriteOutcome.of(new IOException("reset"))).isEqualTo(WriteOutcome.UNKNOWN);
        assertThat(WriteOutcome.of(new InterruptedException())).isEqualTo(WriteOutcome.UNKNOWN);
    }
}
