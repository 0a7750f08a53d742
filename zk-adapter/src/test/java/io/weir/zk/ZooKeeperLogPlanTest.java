package io.weir.zk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure decisions about the log: what a node reads, when it needs the snapshot, what is deleted. */
class ZooKeeperLogPlanTest {

    @Test
    void aNodeReadsTheRunAfterWhatItDeliveredAndStopsAtAHole() {
        assertThat(LogPlan.toRead(-1, List.of(0L, 1L, 2L), 100)).containsExactly(0L, 1L, 2L);
        assertThat(LogPlan.toRead(1, List.of(0L, 1L, 2L, 3L), 100)).containsExactly(2L, 3L);
        assertThat(LogPlan.toRead(1, List.of(2L, 4L), 100)).containsExactly(2L);
        assertThat(LogPlan.toRead(1, List.of(0L, 1L), 100)).isEmpty();
        assertThat(LogPlan.toRead(-1, List.of(0L, 1L, 2L), 2)).containsExactly(0L, 1L);
    }

    @Test
    void aStartingNodeOrOneBehindTheDeletionsNeedsTheSnapshot() {
        assertThat(LogPlan.needsSnapshot(-1, List.of())).isTrue();
        assertThat(LogPlan.needsSnapshot(-1, List.of(0L))).isTrue();
        assertThat(LogPlan.needsSnapshot(3, List.of(10L, 11L))).isTrue();
        assertThat(LogPlan.needsSnapshot(9, List.of(10L, 11L))).isFalse();
        assertThat(LogPlan.needsSnapshot(11, List.of(10L, 11L))).isFalse();
        assertThat(LogPlan.needsSnapshot(11, List.of())).isFalse();
    }

    @Test
    void aSnapshotDeletesTheLogUpToThePreviousSnapshotOlderSnapshotsAndTheirChunks() {
        long token = 0xabcL;
        List<String> chunks = List.of(
            new Znodes.ChunkName(Znodes.Kind.LOG, 3, token, 1).name(),     // before the previous snapshot
            new Znodes.ChunkName(Znodes.Kind.LOG, 7, token, 1).name(),     // kept with its batch
            new Znodes.ChunkName(Znodes.Kind.SNAPSHOT, 5, token, 1).name(), // the previous snapshot's
            new Znodes.ChunkName(Znodes.Kind.SNAPSHOT, 10, token, 1).name(), // the new snapshot's
            "not-ours");

        List<String> deleted = LogPlan.deletions(10, List.of(5L, 10L), List.of(4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L),
            chunks, 100);

        assertThat(deleted).containsExactly(
            Znodes.head(Znodes.Kind.LOG, 4), Znodes.head(Znodes.Kind.LOG, 5),
            Znodes.head(Znodes.Kind.SNAPSHOT, 5),
            Znodes.CHUNKS + "/" + chunks.get(0), Znodes.CHUNKS + "/" + chunks.get(2));
        assertThat(LogPlan.deletions(10, List.of(5L, 10L), List.of(4L, 5L), chunks, 1))
            .containsExactly(Znodes.head(Znodes.Kind.LOG, 4));
    }

    @Test
    void aSnapshotIsDueEveryNBatchesCountedFromTheNewestOne() {
        assertThat(LogPlan.snapshotDue(-1, -1, 1)).isFalse();
        assertThat(LogPlan.snapshotDue(3, -1, 5)).isFalse();
        assertThat(LogPlan.snapshotDue(4, -1, 5)).isTrue();
        assertThat(LogPlan.snapshotDue(8, 4, 5)).isFalse();
        assertThat(LogPlan.snapshotDue(9, 4, 5)).isTrue();
        assertThat(LogPlan.snapshotDue(9, 9, 1)).isFalse();
        assertThat(LogPlan.snapshotDue(10, 9, 1)).isTrue();
    }

    @Test
    void theFirstSnapshotDeletesNoLog() {
        assertThat(LogPlan.deletions(5, List.of(5L), List.of(0L, 1L, 2L, 3L, 4L, 5L), List.of(), 100)).isEmpty();
    }

    @Test
    void chunkNamesRoundTripAndForeignNamesAreIgnored() {
        Znodes.ChunkName name = new Znodes.ChunkName(Znodes.Kind.SNAPSHOT, 42, -1L, 3);
        assertThat(Znodes.ChunkName.parse(name.name())).contains(name);
        assertThat(Znodes.ChunkName.parse("log-12-ab-1")).isEmpty();
        assertThat(Znodes.parseOffset(Znodes.offsetName(42))).isEqualTo(42);
        assertThat(Znodes.parseOffset("lock")).isEqualTo(-1);
    }
}
