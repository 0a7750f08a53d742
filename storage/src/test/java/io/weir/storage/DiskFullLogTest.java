package io.weir.storage;

import static io.weir.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition log on a real, small file system (a tmpfs this test mounts) until it is full: a
 * write into a mapped page with no space behind it, and the guard that keeps that from happening.
 */
class DiskFullLogTest {
    private static final TopicPartition TP = new TopicPartition("full", 0);
    private static final String VALUE = "v".repeat(8 * 1024);
    private static final long MIB = 1L << 20;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);

    /** Holds the mount point; JUnit deletes it after the file system is unmounted (or detached). */
    @TempDir
    Path scratch;

    @Test
    void aWriteIntoAPageWithNoSpaceFailsCleanlyAndTheLogResumesWhenSpaceReturns() throws Exception {
        List<PartitionLog> opened = new ArrayList<>();
        try (SmallFileSystem fs = SmallFileSystem.mount(scratch.resolve("fs"), 24); AutoCloseable logs = () -> closeAll(opened)) {
            Path filler = fs.fill("filler", 4 * MIB);
            Path dir = fs.root().resolve("full-0");
            // No guard: the file system itself runs out under Chronicle's mapped pages.
            PartitionLog log = track(opened, PartitionLog.open(TP, dir, LogConfig.defaults(), clock));
            List<String> acknowledged = appendUntilRefused(log, "a");
            assertThat(acknowledged).hasSizeGreaterThan(1_000);
            assertThat(log.writeFailed()).isTrue();
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> log.appendAsLeader(batch(VALUE), 0)).isInstanceOf(KafkaStorageException.class);
            }
            assertThat(log.logEndOffset()).isEqualTo(acknowledged.size());
            assertThat(log.highWatermark()).isEqualTo(acknowledged.size());
            assertThat(readAll(log)).isEqualTo(acknowledged);
            log.close();

            PartitionLog reopened = track(opened, PartitionLog.open(TP, dir, LogConfig.defaults(), clock));
            assertThat(reopened.logEndOffset()).as("restarted while full").isEqualTo(acknowledged.size());
            // The HW checkpoint could not be written while full; a leader's HW moves up to the ISR's LEO at once.
            reopened.updateHighWatermark(reopened.logEndOffset());
            assertThat(readAll(reopened)).isEqualTo(acknowledged);
            assertThatThrownBy(() -> reopened.appendAsLeader(batch(VALUE), 0)).isInstanceOf(KafkaStorageException.class);
            assertThat(reopened.logEndOffset()).isEqualTo(acknowledged.size());

            Files.delete(filler);
            clock.advance(PartitionLog.RESUME_BACKOFF_MS);
            for (int i = 0; i < 10; i++) {
                String v = "b" + i;
                reopened.appendAsLeader(batch(v), 0);
                reopened.updateHighWatermark(reopened.logEndOffset());
                acknowledged.add(v);
            }
            assertThat(readAll(reopened)).isEqualTo(acknowledged);
            reopened.close();
            PartitionLog again = track(opened, PartitionLog.open(TP, dir, LogConfig.defaults(), clock));
            again.updateHighWatermark(again.logEndOffset());
            assertThat(readAll(again)).as("nothing of the failed writes is visible").isEqualTo(acknowledged);
        }
    }

    /** Before the file system is unmounted (resources close in reverse order). */
    private static void closeAll(List<PartitionLog> opened) {
        opened.forEach(PartitionLog::close);
    }

    private static PartitionLog track(List<PartitionLog> opened, PartitionLog log) {
        opened.add(log);
        return log;
    }

    @Test
    void theGuardRefusesAppendsBeforeTheFileSystemIsFull() throws Exception {
        List<PartitionLog> opened = new ArrayList<>();
        try (SmallFileSystem fs = SmallFileSystem.mount(scratch.resolve("fs"), 48); AutoCloseable logs = () -> closeAll(opened)) {
            DiskSpace space = DiskSpace.of(fs.root(), DiskSpace.DEFAULT_RESERVE_BYTES);
            Path dir = fs.root().resolve("full-0");
            PartitionLog log = track(opened, PartitionLog.open(TP, dir, LogConfig.defaults(), clock, space));
            List<String> acknowledged = appendUntilRefused(log, "a");
            assertThat(log.writeFailed()).as("refused by the guard, not by a failed write").isFalse();
            assertThat(fs.usableBytes()).isGreaterThan(DiskSpace.DEFAULT_RESERVE_BYTES - 2 * MIB);
            log.close();
            PartitionLog reopened = track(opened, PartitionLog.open(TP, dir, LogConfig.defaults(), clock, space));
            assertThat(readAll(reopened)).isEqualTo(acknowledged);
        }
    }

    /** Appends 8 KiB batches (moving the HW, as acks=all would) until one is refused. */
    private static List<String> appendUntilRefused(PartitionLog log, String prefix) {
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            String v = prefix + i;
            try {
                log.appendAsLeader(batch(v + VALUE), 0);
            } catch (KafkaStorageException e) {
                return acknowledged;
            } catch (Throwable t) {
                fail("append " + i + " failed with something other than KafkaStorageException", t);
            }
            log.updateHighWatermark(log.logEndOffset());
            acknowledged.add(v);
        }
        throw new AssertionError("the file system never filled up");
    }

    private static List<String> readAll(PartitionLog log) {
        List<String> values = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.highWatermark()) {
            MemoryRecords records = log.read(offset, 1 << 20, log.highWatermark(), true).records();
            List<TestBatches.OffsetValue> read = TestBatches.values(records);
            assertThat(read).isNotEmpty();
            for (TestBatches.OffsetValue ov : read) {
                assertThat(ov.offset()).as("offsets are contiguous").isEqualTo(log.logStartOffset() + values.size());
                values.add(ov.value().replace(VALUE, ""));
            }
            offset = read.get(read.size() - 1).offset() + 1;
        }
        return values;
    }
}
