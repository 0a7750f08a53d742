package io.weir.storage;

import static io.weir.storage.CompactionModelPropertyTest.keyed;
import static io.weir.storage.CompactionModelPropertyTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.storage.CompactionModelPropertyTest.Rec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner threads over a LogManager: compacted logs get cleaned, others are left alone. */
class LogCleanerTest {
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;

    @Test
    void cleansCompactedLogsInTheBackgroundAndLeavesOthersAlone() {
        MutableClock clock = new MutableClock(1_700_000_000_000L);
        LogConfig compact = LogConfig.defaults().withCleanup(
                LogConfig.Cleanup.DELETE.withPolicy(false, true).withLags(HOUR, 0, Long.MAX_VALUE, 0.5));
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), clock, 100);
             LogCleaner cleaner = new LogCleaner(logs, new LogCleaner.Settings(true, 2, 1 << 20, 10_000_000, 10))) {
            PartitionLog table = logs.getOrCreate(new TopicPartition("table", 0), compact);
            PartitionLog events = logs.getOrCreate(new TopicPartition("events", 0), LogConfig.defaults());
            for (int hour = 0; hour < 3; hour++) {
                for (int i = 0; i < 10; i++) {
                    table.appendAsLeader(keyed(clock.millis(), false, List.of(new Rec(-1, "k" + (i % 2), "v" + i))), 0);
                    events.appendAsLeader(keyed(clock.millis(), false, List.of(new Rec(-1, "k" + (i % 2), "v" + i))), 0);
                }
                clock.advance(HOUR);
            }
            table.updateHighWatermark(table.logEndOffset());
            events.updateHighWatermark(events.logEndOffset());
            cleaner.start();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> cleaner.passes() >= 1);
            // Two keys per cleaned hour... the latest of each below the active file, and the active file whole.
            assertThat(readAll(table)).extracting(Rec::offset).containsExactly(18L, 19L, 20L, 21L, 22L, 23L, 24L,
                    25L, 26L, 27L, 28L, 29L);
            assertThat(readAll(events)).hasSize(30);
            assertThat(cleaner.bytesRead()).isPositive();
            assertThat(cleaner.bytesWritten()).isPositive().isLessThan(cleaner.bytesRead());
        }
    }

    @Test
    void settingsAreCheckedAsKafkaDoes() {
        assertThatThrownBy(() -> new LogCleaner.Settings(true, 0, 1 << 20, 1, 1))
                .hasMessageContaining("log.cleaner.threads");
        assertThatThrownBy(() -> new LogCleaner.Settings(true, 4, 100, 1, 1))
                .hasMessageContaining("log.cleaner.dedupe.buffer.size");
        assertThatThrownBy(() -> new LogCleaner.Settings(true, 1, 1 << 20, 0, 1))
                .hasMessageContaining("log.cleaner.io.max.bytes.per.second");
    }
}
