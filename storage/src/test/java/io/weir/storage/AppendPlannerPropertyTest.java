package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.RecordBatch;

class AppendPlannerPropertyTest {
    private static final TopicPartition TP = new TopicPartition("plan", 0);

    private static BatchHeader batch(long baseOffset, int records, long producerId, int baseSequence, int epoch) {
        return new BatchHeader(baseOffset, 100, epoch, RecordBatch.MAGIC_VALUE_V2, records - 1, 1_000L, producerId,
                (short) 0, producerId < 0 ? RecordBatch.NO_SEQUENCE : baseSequence, records);
    }

    @Property(tries = 200)
    void aLeaderGivesBatchesConsecutiveOffsetsFromTheLogEnd(
            @ForAll @Size(min = 1, max = 10) List<@IntRange(min = 1, max = 50) Integer> counts,
            @ForAll @LongRange(min = 0, max = 1L << 40) long logEndOffset) {
        List<BatchHeader> headers = counts.stream().map(n -> batch(0, n, RecordBatch.NO_PRODUCER_ID, 0, 0)).toList();
        AppendPlanner.LeaderPlan plan = AppendPlanner.planLeader(headers, logEndOffset,
                new ProducerStateManager().stage());

        assertThat(plan.duplicate()).isEmpty();
        long next = logEndOffset;
        for (int i = 0; i < counts.size(); i++) {
            assertThat(plan.baseOffsets()[i]).isEqualTo(next);
            next += counts.get(i);
        }
    }

    @Property(tries = 200)
    void anIdempotentRetryOfAnyOfTheLastFiveBatchesGetsItsOriginalOffsets(
            @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1, max = 20) Integer> counts,
            @ForAll @IntRange(min = 0, max = 100) int retrySeed) {
        ProducerStateManager producers = new ProducerStateManager();
        List<BatchHeader> written = new ArrayList<>();
        List<long[]> offsets = new ArrayList<>();
        long leo = 0;
        int seq = 0;
        for (int n : counts) {
            BatchHeader h = batch(0, n, 42, seq, 0);
            ProducerStateManager.Staged staged = producers.stage();
            AppendPlanner.LeaderPlan plan = AppendPlanner.planLeader(List.of(h), leo, staged);
            assertThat(plan.duplicate()).isEmpty();
            staged.commit();
            written.add(h);
            offsets.add(new long[] {leo, leo + n - 1});
            leo += n;
            seq += n;
        }
        int retained = Math.min(written.size(), ProducerStateManager.RETAINED_BATCHES);
        int retry = written.size() - 1 - retrySeed % retained;

        AppendPlanner.LeaderPlan again = AppendPlanner.planLeader(List.of(written.get(retry)), leo,
                producers.stage());
        assertThat(again.duplicate()).isPresent();
        assertThat(again.duplicateInfo().firstOffset()).isEqualTo(offsets.get(retry)[0]);
        assertThat(again.duplicateInfo().lastOffset()).isEqualTo(offsets.get(retry)[1]);
        assertThat(again.duplicateInfo().duplicate()).isTrue();
    }

    @Property(tries = 200)
    void aFollowerAppendMustContinueTheLogWithoutOverlaps(
            @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 0, max = 3) Integer> gaps,
            @ForAll @IntRange(min = -2, max = 1) int shiftFirst) {
        long leo = 100;
        List<BatchHeader> headers = new ArrayList<>();
        long next = leo + shiftFirst;
        for (int gap : gaps) {
            headers.add(batch(next, 3, RecordBatch.NO_PRODUCER_ID, 0, 1));
            next += 3 + gap;
        }
        if (shiftFirst < 0) {
            assertThatThrownBy(() -> AppendPlanner.checkFollowerOffsets(headers, leo, TP))
                    .isInstanceOf(InvalidRecordException.class);
        } else {
            AppendPlanner.checkFollowerOffsets(headers, leo, TP);
        }
    }
}
