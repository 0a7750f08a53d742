package io.weir.storage;

import static io.weir.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The property tests' temporary directory goes when a try fails, even with its log still open. */
class ScratchDirTest {

    @Test
    void aFailedTryLeavesNoDirectoryBehind() {
        AtomicReference<Path> dir = new AtomicReference<>();
        AtomicReference<PartitionLog> log = new AtomicReference<>();
        assertThatThrownBy(() -> {
            try (ScratchDir scratch = ScratchDir.create("weir-scratch-test")) {
                dir.set(scratch.path());
                log.set(PartitionLog.open(new TopicPartition("scratch", 0), scratch.path(), LogConfig.defaults(),
                        new MutableClock(1_700_000_000_000L)));
                log.get().appendAsLeader(batch("v"), 0);
                throw new AssertionError("the try fails");
            }
        }).hasMessage("the try fails");
        try {
            assertThat(dir.get()).isNotNull();
            assertThat(Files.exists(dir.get())).as("deleted: " + dir.get()).isFalse();
        } finally {
            log.get().close();
        }
    }
}
