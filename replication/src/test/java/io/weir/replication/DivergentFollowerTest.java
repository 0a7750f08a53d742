package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.storage.EpochEndOffset;
import io.weir.storage.LogConfig;
import io.weir.storage.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower whose log diverged (it led, was cut off, and wrote batches nobody replicated)
 * truncates by the leader's diverging-epoch answers and converges to the new leader's log,
 * using the same two halves the network path uses: {@link DivergingEpoch} on the leader and
 * {@link FollowerTruncation} on the follower, over real partition logs.
 */
class DivergentFollowerTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dir;

    private final List<PartitionLog> logs = new ArrayList<>();

    @AfterEach
    void close() {
        logs.forEach(PartitionLog::close);
    }

    private PartitionLog open(String name) {
        PartitionLog log = PartitionLog.open(TP, dir.resolve(name), LogConfig.defaults(), Clock.systemUTC());
        logs.add(log);
        return log;
    }

    private static MemoryRecords batch(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1L, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    private static List<String> all(PartitionLog log) {
        List<String> out = new ArrayList<>();
        MemoryRecords records = log.read(log.logStartOffset(), Integer.MAX_VALUE, Long.MAX_VALUE, true).records();
        for (RecordBatch b : records.batches()) {
            for (Record r : b) {
                byte[] v = new byte[r.valueSize()];
                r.value().get(v);
                out.add(r.offset() + ":" + b.partitionLeaderEpoch() + ":" + new String(v, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** One replica fetch round: returns true when the follower is level with the leader. */
    private static boolean fetchRound(PartitionLog leader, PartitionLog follower) {
        long fetchOffset = follower.logEndOffset();
        int lastEpoch = follower.latestEpoch();
        Optional<EpochEndOffset> diverging = DivergingEpoch.check(leader, lastEpoch, fetchOffset);
        if (diverging.isPresent()) {
            EpochEndOffset d = diverging.get();
            follower.truncateTo(FollowerTruncation.truncationOffset(d.leaderEpoch(), d.endOffset(),
                    follower.endOffsetForEpoch(d.leaderEpoch()), follower.logEndOffset(), follower.highWatermark()));
            return false;
        }
        MemoryRecords records = leader.read(fetchOffset, 1 << 20, leader.logEndOffset(), true).records();
        if (records.sizeInBytes() == 0) {
            return true;
        }
        follower.appendAsFollower(records);
        return false;
    }

    @Test
    void aDeposedLeadersUnreplicatedTailIsReplacedByTheNewLeadersLog() {
        PartitionLog a = open("a");
        PartitionLog b = open("b");
        // Epoch 1: a leads, both have [x0, x1].
        a.appendAsLeader(batch("x0", "x1"), 1);
        b.appendAsFollower(a.read(0, 1 << 20, Long.MAX_VALUE, true).records());
        // a is cut off and keeps writing in epoch 1 (never replicated).
        a.appendAsLeader(batch("lost2", "lost3"), 1);
        a.appendAsLeader(batch("lost4"), 1);
        // Epoch 2: b becomes leader and takes new writes, also in epoch 3.
        b.appendAsLeader(batch("y2"), 2);
        b.appendAsLeader(batch("y3", "y4", "y5"), 3);

        int rounds = 0;
        while (!fetchRound(b, a)) {
            assertThat(++rounds).as("converges in a bounded number of rounds").isLessThan(10);
        }
        assertThat(all(a)).isEqualTo(all(b));
        assertThat(all(a)).containsExactly("0:1:x0", "1:1:x1", "2:2:y2", "3:3:y3", "4:3:y4", "5:3:y5");
        assertThat(a.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 2));
    }

    @Test
    void aFollowerAheadInAnOlderEpochTruncatesOnlyTheDivergingPart() {
        PartitionLog leader = open("leader");
        PartitionLog follower = open("follower");
        leader.appendAsLeader(batch("a", "b"), 1);
        follower.appendAsFollower(leader.read(0, 1 << 20, Long.MAX_VALUE, true).records());
        leader.appendAsLeader(batch("c"), 1);
        follower.appendAsFollower(leader.read(2, 1 << 20, Long.MAX_VALUE, true).records());
        leader.appendAsLeader(batch("d"), 4);

        assertThat(DivergingEpoch.check(leader, follower.latestEpoch(), follower.logEndOffset())).isEmpty();
        while (!fetchRound(leader, follower)) {
            // bounded by the assertion below
            assertThat(follower.logEndOffset()).isLessThanOrEqualTo(leader.logEndOffset());
        }
        assertThat(all(follower)).isEqualTo(all(leader));
    }
}
