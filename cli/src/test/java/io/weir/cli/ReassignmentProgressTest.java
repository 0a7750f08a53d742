package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The arithmetic and lines of {@code weir reassignments}: copied and left per partition, rate, time left. */
class ReassignmentProgressTest {
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);
    private static final long MIB = 1024 * 1024;

    private static ReassignmentProgress sample(long aOn4, long bOn4, long bOn5) {
        return ReassignmentProgress.sample(
                Map.of(A, new ReassignmentProgress.Moving(List.of(1, 2, 4), List.of(4), List.of(1)),
                        B, new ReassignmentProgress.Moving(List.of(2, 3, 4, 5), List.of(4, 5), List.of(2, 3))),
                Map.of(A, 1, B, 3),
                Map.of(1, Map.of(A, 10 * MIB), 2, Map.of(A, 10 * MIB, B, 20 * MIB), 3, Map.of(B, 20 * MIB),
                        4, Map.of(A, aOn4, B, bOn4), 5, Map.of(B, bOn5)));
    }

    @Test
    void eachAddingReplicaCountsTheLeadersLogAgainstWhatItHolds() {
        ReassignmentProgress p = sample(4 * MIB, 5 * MIB, 0);
        assertThat(p.rows()).extracting(ReassignmentProgress.Row::partition).containsExactly(A, B);
        assertThat(p.rows().get(0).totalBytes()).isEqualTo(10 * MIB);
        assertThat(p.rows().get(0).remainingBytes()).isEqualTo(6 * MIB);
        assertThat(p.rows().get(1).totalBytes()).as("two adding replicas").isEqualTo(40 * MIB);
        assertThat(p.rows().get(1).copiedBytes()).isEqualTo(5 * MIB);
        assertThat(p.remainingBytes()).isEqualTo(41 * MIB);
    }

    @Test
    void aReplicaLargerThanTheLeadersLogCountsAsCopiedNotMore() {
        assertThat(sample(12 * MIB, 0, 0).rows().get(0).remainingBytes()).isZero();
    }

    @Test
    void bytesCopiedBetweenSamplesIncludeTheRestOfMovesThatFinished() {
        ReassignmentProgress before = sample(4 * MIB, 5 * MIB, 0);
        ReassignmentProgress after = ReassignmentProgress.sample(
                Map.of(B, new ReassignmentProgress.Moving(List.of(2, 3, 4, 5), List.of(4, 5), List.of(2, 3))),
                Map.of(B, 3), Map.of(3, Map.of(B, 20 * MIB), 4, Map.of(B, 8 * MIB), 5, Map.of(B, MIB)));
        assertThat(after.copiedSince(before)).as("A's last 6 MiB, then 3 + 1 MiB on B").isEqualTo(10 * MIB);
    }

    @Test
    void timeLeftIsUnknownUntilSomethingWasCopied() {
        assertThat(ReassignmentProgress.secondsLeft(10 * MIB, 0)).isEmpty();
        assertThat(ReassignmentProgress.secondsLeft(10 * MIB, 2 * MIB)).hasValue(5);
        assertThat(ReassignmentProgress.secondsLeft(0, 0)).hasValue(0);
        assertThat(sample(4 * MIB, 5 * MIB, 0).summary(MIB))
                .isEqualTo("2 partition(s) moving: 9.0 MiB copied, 41.0 MiB left, 1.0 MiB/s, about 41 s left");
    }

    @Test
    void theTableHasALinePerPartition() {
        List<String> lines = sample(4 * MIB, 5 * MIB, 0).lines();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("PARTITION");
        assertThat(lines.get(1)).startsWith("t-0").contains("1,2,4").contains("4.0 MiB").contains("6.0 MiB").endsWith("40%");
        assertThat(lines.get(2)).startsWith("t-1").contains("2,3,4,5").endsWith("12%");
        assertThat(ReassignmentProgress.duration(3725)).isEqualTo("1 h 02 min");
    }
}
