package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable state: changes are persisted, or undone in memory when {@code partition.state} cannot be written. */
class LogStateTest {
    private static final TopicPartition TP = new TopicPartition("state", 0);

    @TempDir
    Path root;

    @Test
    void aDurableChangeIsReadBackByTheNextOpen() {
        Path dir = root.resolve("p");
        LogState state = new LogState(TP, dir);
        state.load();
        state.assignLeaderEpoch(3, 0);
        state.startGeneration(10);
        state.setHighWatermark(10);
        state.truncateTail(5, 9, 10);

        LogState reopened = new LogState(TP, dir);
        PartitionState read = reopened.load();
        assertThat(reopened.generation()).isEqualTo(1);
        assertThat(reopened.logStartOffset()).isEqualTo(10);
        assertThat(reopened.nextOffsetFloor()).isEqualTo(10);
        assertThat(read.highWatermark()).isEqualTo(10);
        assertThat(read.deadRanges()).containsExactly(new long[] {5, 9});
        assertThat(read.epochs()).isEmpty();
        assertThat(state.checkpointDue()).isFalse();
    }

    @Test
    void aChangeThatCannotBeWrittenIsUndoneAndACheckpointIsRetried() throws IOException {
        Path dir = root.resolve("p");
        LogState state = new LogState(TP, dir);
        state.load();
        state.assignLeaderEpoch(2, 0);
        // A regular file where the directory was: every write of partition.state fails.
        Files.delete(dir.resolve(PartitionState.FILE_NAME));
        Files.delete(dir);
        Files.writeString(dir, "not a directory");

        assertThatThrownBy(() -> state.startGeneration(7)).isInstanceOf(KafkaStorageException.class);
        assertThatThrownBy(() -> state.moveStartForRetention(4)).isInstanceOf(KafkaStorageException.class);
        assertThatThrownBy(() -> state.assignLeaderEpoch(5, 0)).isInstanceOf(KafkaStorageException.class);
        assertThat(state.generation()).isZero();
        assertThat(state.logStartOffset()).isZero();
        assertThat(state.epochs().entries()).containsExactly(new LeaderEpochCache.Entry(2, 0));

        state.setHighWatermark(3);
        assertThat(state.tryPersist("checkpoint", true)).isFalse();
        assertThat(state.statePending()).isTrue();
        assertThat(state.checkpointDue()).isTrue();

        Files.delete(dir);
        assertThat(state.tryPersist("checkpoint", true)).isTrue();
        assertThat(state.statePending()).isFalse();
        assertThat(state.checkpointDue()).isFalse();
        assertThat(new LogState(TP, dir).load().epochs()).isEqualTo(List.of(new LeaderEpochCache.Entry(2, 0)));
    }
}
