package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.storage.LogConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Topic configs as a partition log sees them. */
class LogConfigsTest {
    @Test
    void cleanupPolicyAndTheCompactionSettingsReachTheLog() {
        LogConfig c = LogConfigs.from(LogConfig.defaults(), Map.of("cleanup.policy", "compact",
                "delete.retention.ms", "1000", "min.compaction.lag.ms", "2000", "max.compaction.lag.ms", "3000",
                "min.cleanable.dirty.ratio", "0.1"));
        assertThat(c.compact()).isTrue();
        assertThat(c.cleanup()).isEqualTo(new LogConfig.Cleanup(false, true, 1000, 2000, 3000, 0.1));
        LogConfig both = LogConfigs.from(LogConfig.defaults(), Map.of("cleanup.policy", "compact, delete"));
        assertThat(both.cleanup().compact() && both.cleanup().delete()).isTrue();
        assertThat(LogConfigs.from(LogConfig.defaults(), Map.of()))
                .isEqualTo(LogConfig.defaults().withTimestampBounds(Long.MAX_VALUE, 3_600_000));
    }

    @Test
    void segmentMsPicksTheLongestChronicleCycleNotAboveItAtMostHourly() {
        assertThat(LogConfigs.from(LogConfig.defaults(), Map.of("segment.ms", "604800000")).rollCycle())
                .isEqualTo(LogConfig.defaults().rollCycle());
        assertThat(LogConfigs.from(LogConfig.defaults(), Map.of("segment.ms", "600000")).rollCycle().lengthInMillis())
                .isEqualTo(600_000);
        assertThat(LogConfigs.from(LogConfig.defaults(), Map.of("segment.ms", "90000")).rollCycle().lengthInMillis())
                .isEqualTo(60_000);
        assertThat(LogConfigs.from(LogConfig.defaults(), Map.of("segment.ms", "100")).rollCycle().lengthInMillis())
                .isEqualTo(1_000);
    }

    @Test
    void timestampBoundsAreTheTopicsOrKafkasDefaults() {
        LogConfig set = LogConfigs.from(LogConfig.defaults(), Map.of("message.timestamp.before.max.ms", "86400000",
                "message.timestamp.after.max.ms", "60000"));
        assertThat(set.timestampBeforeMaxMs()).isEqualTo(86_400_000L);
        assertThat(set.timestampAfterMaxMs()).isEqualTo(60_000L);
        LogConfig unset = LogConfigs.from(LogConfig.defaults(), Map.of());
        assertThat(unset.timestampBeforeMaxMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(unset.timestampAfterMaxMs()).isEqualTo(3_600_000L);
    }
}
