package io.weir.storage;

import static io.weir.storage.TestBatches.batch;
import static io.weir.storage.TestBatches.replicated;
import static io.weir.storage.TestBatches.valuesOnly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The free-space guard with a hand-set free-space source and clock: deterministic, no mounts. */
class DiskSpaceTest {
    private static final TopicPartition TP = new TopicPartition("full", 0);
    private static final long MIB = 1L << 20;
    private static final long RESERVE = 24 * MIB;
    private static final long BLOCK = LogConfig.defaults().blockSize();

    @TempDir
    Path dir;

    private final AtomicLong usable = new AtomicLong(100 * MIB);
    private final AtomicInteger samples = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final DiskSpace space = new DiskSpace(Path.of("/data"), () -> {
        samples.incrementAndGet();
        return usable.get();
    }, RESERVE, nanos::get);
    private PartitionLog log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    /** An append: claims its bytes, then writes them (the file system's usable space drops). */
    private void write(DiskSpace guard, long bytes) {
        guard.claim(TP, bytes, BLOCK);
        usable.addAndGet(-bytes);
    }

    private void advanceMs(long ms) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void refusesAnAppendThatWouldLeaveLessThanTheReserve() {
        write(space, 76 * MIB - 1);
        assertThatThrownBy(() -> write(space, 2))
                .isInstanceOf(KafkaStorageException.class)
                .hasMessageContaining("is full");
        assertThat(space.isFull()).isTrue();
    }

    @Test
    void theReserveIsAtLeastTheChronicleBlock() {
        DiskSpace small = new DiskSpace(Path.of("/data"), usable::get, MIB, nanos::get);
        usable.set(BLOCK + 10);
        write(small, 10);
        advanceMs(DiskSpace.MIN_REFRESH_MS);
        assertThatThrownBy(() -> write(small, 1)).isInstanceOf(KafkaStorageException.class);
    }

    @Test
    void samplesTheFileSystemRarelyWhileThereIsRoom() {
        for (int i = 0; i < 1_000; i++) {
            write(space, 1_000); // 1 MB in all: far below a quarter of the 76 MiB head-room
        }
        assertThat(samples).hasValue(1);
        advanceMs(DiskSpace.REFRESH_INTERVAL_MS);
        write(space, 1_000);
        assertThat(samples).hasValue(2);
    }

    @Test
    void samplesAgainOnceAQuarterOfTheHeadRoomIsClaimed() {
        write(space, 19 * MIB); // head-room 76 MiB: a quarter is 19 MiB
        assertThat(samples).hasValue(1);
        usable.set(30 * MIB); // someone else wrote too
        assertThatThrownBy(() -> write(space, 7 * MIB)).isInstanceOf(KafkaStorageException.class);
        assertThat(samples).hasValue(2);
    }

    @Test
    void refusesOnlyOnAFreshSample() {
        write(space, MIB);
        usable.set(200 * MIB); // space was freed since the sample
        advanceMs(DiskSpace.MIN_REFRESH_MS);
        space.claim(TP, 80 * MIB, BLOCK); // the estimate says no; a fresh sample says yes
        assertThat(space.isFull()).isFalse();
    }

    @Test
    void staysFullUntilAQuarterMoreThanTheReserveIsUsable() {
        usable.set(RESERVE - 1);
        assertThat(space.isFull()).isTrue();
        usable.set(RESERVE + MIB); // above the reserve, below the resume threshold
        advanceMs(DiskSpace.MIN_REFRESH_MS);
        assertThat(space.isFull()).isTrue();
        assertThatThrownBy(() -> space.claim(TP, 1, BLOCK)).isInstanceOf(KafkaStorageException.class);
        usable.set(RESERVE + RESERVE / 4);
        advanceMs(DiskSpace.MIN_REFRESH_MS);
        assertThat(space.isFull()).isFalse();
        space.claim(TP, MIB, BLOCK);
    }

    @Test
    void aFailedWriteMakesTheDirectoryFullUntilSpaceReturns() {
        assertThat(space.isFull()).isFalse();
        usable.set(MIB); // someone else filled the disk since the sample
        space.reportWriteFailure(TP, new InternalError("a fault occurred in a recent unsafe memory access operation"));
        assertThat(space.isFull()).isTrue();
        usable.set(RESERVE); // still at the edge
        advanceMs(DiskSpace.MIN_REFRESH_MS);
        assertThat(space.isFull()).isTrue();
        usable.set(100 * MIB);
        advanceMs(DiskSpace.MIN_REFRESH_MS);
        assertThat(space.isFull()).isFalse();
    }

    @Test
    void anUnreadableFileStoreCountsAsFull() {
        DiskSpace broken = new DiskSpace(Path.of("/data"), () -> {
            throw new IOException("Input/output error");
        }, RESERVE, nanos::get);
        assertThat(broken.isFull()).isTrue();
        assertThatThrownBy(() -> broken.claim(TP, 1, BLOCK)).isInstanceOf(KafkaStorageException.class);
    }

    @Test
    void aRefusedAppendWritesNothingAndAnswersKafkaStorageError() {
        MutableClock clock = new MutableClock(1_700_000_000_000L);
        log = PartitionLog.open(TP, dir, LogConfig.defaults(), clock, space);
        log.appendAsLeader(batch("a"), 0);
        log.updateHighWatermark(1);
        usable.set(RESERVE + 10);
        advanceMs(DiskSpace.REFRESH_INTERVAL_MS);
        MemoryRecords refused = batch("b");
        assertThatThrownBy(() -> log.appendAsLeader(refused, 0))
                .isInstanceOf(KafkaStorageException.class)
                .satisfies(e -> assertThat(Errors.forException(e)).isEqualTo(Errors.KAFKA_STORAGE_ERROR));
        assertThatThrownBy(() -> log.appendAsFollower(replicated(1, 0, "b")))
                .isInstanceOf(KafkaStorageException.class);
        assertThat(refused.batches().iterator().next().baseOffset()).as("offsets not stamped").isZero();
        assertThat(log.logEndOffset()).isEqualTo(1);
        assertThat(log.highWatermark()).isEqualTo(1);
        assertThat(valuesOnly(log.read(0, 1 << 20, 1, true).records())).containsExactly("a");
        assertThat(log.writeFailed()).as("a refusal is not a failed write").isFalse();

        usable.set(100 * MIB);
        advanceMs(DiskSpace.MIN_REFRESH_MS);
        log.appendAsLeader(batch("c"), 0);
        log.updateHighWatermark(2);
        assertThat(valuesOnly(log.read(0, 1 << 20, 2, true).records())).containsExactly("a", "c");
    }

    @Test
    void aLogManagerIsWritableWhileItsDirectoryIsNotFull() {
        try (LogManager logs = new LogManager(dir, LogConfig.defaults(), new MutableClock(0), 10, space)) {
            logs.getOrCreate(TP, LogConfig.defaults()).appendAsLeader(batch("a"), 0);
            assertThat(logs.isWritable()).isTrue();
            usable.set(MIB);
            advanceMs(DiskSpace.REFRESH_INTERVAL_MS);
            assertThat(logs.isWritable()).isFalse();
            assertThatThrownBy(() -> logs.getOrCreate(TP, LogConfig.defaults()).appendAsLeader(batch("b"), 0))
                    .isInstanceOf(KafkaStorageException.class);
            usable.set(100 * MIB);
            advanceMs(DiskSpace.MIN_REFRESH_MS);
            assertThat(logs.isWritable()).isTrue();
        }
    }
}
