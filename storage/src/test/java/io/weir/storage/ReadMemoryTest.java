package io.weir.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.weir.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A read into the caller's memory (the broker's pooled direct buffers) returns exactly the bytes a
 * heap read returns, asks for at most one buffer, of the size the heap read would use, and none when
 * nothing qualifies.
 */
class ReadMemoryTest {
    private static final TopicPartition TP = new TopicPartition("reads", 0);

    @TempDir
    Path dir;
    private PartitionLog log;
    private final List<ByteBuffer> handedOut = new ArrayList<>();
    private final ReadMemory direct = capacity -> {
        ByteBuffer b = ByteBuffer.allocateDirect(capacity);
        handedOut.add(b);
        return b;
    };

    @AfterEach
    void close() {
        if (log != null) log.close();
    }

    @Test
    void directReadsReturnTheHeapReadsBytes() {
        log = PartitionLog.open(TP, dir, LogConfig.defaults(), new MutableClock(1_700_000_000_000L));
        SplittableRandom random = new SplittableRandom(21);
        for (int b = 0; b < 60; b++) {
            String[] values = new String[1 + random.nextInt(5)];
            for (int i = 0; i < values.length; i++) values[i] = "v".repeat(1 + random.nextInt(2_000));
            log.appendAsLeader(batch(values), 0);
        }
        long end = log.logEndOffset();
        for (int i = 0; i < 300; i++) {
            long offset = random.nextLong(end + 1);
            int maxBytes = random.nextInt(4) == 0 ? 0 : random.nextInt(40_000);
            long maxOffsetExclusive = random.nextBoolean() ? end : offset + random.nextLong(end - offset + 1);
            boolean minOne = random.nextBoolean();
            ByteBuffer heap = log.read(offset, maxBytes, maxOffsetExclusive, minOne).records().buffer();
            handedOut.clear();
            ByteBuffer read = log.read(offset, maxBytes, maxOffsetExclusive, minOne, direct).records().buffer();

            String at = "offset " + offset + ", maxBytes " + maxBytes + ", below " + maxOffsetExclusive
                    + ", minOne " + minOne;
            assertThat(read).as(at).isEqualTo(heap);
            assertThat(handedOut).as(at).hasSizeLessThanOrEqualTo(1);
            if (heap.hasRemaining()) {
                assertThat(read.isDirect()).as(at).isTrue();
                assertThat(heap.capacity()).as(at).isEqualTo(handedOut.get(0).capacity());
            } else {
                assertThat(handedOut).as("a read that copies nothing takes no memory: " + at).isEmpty();
            }
        }
    }
}
