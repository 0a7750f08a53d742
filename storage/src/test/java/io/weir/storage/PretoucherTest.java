package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.core.OS;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pre-toucher against real Chronicle mappings (Linux, a kernel with MADV_POPULATE_WRITE): it
 * populates only inside a chunk that is still mapped, never past the chunk or the file, leaves a
 * released chunk alone, and an appending log's pages ahead are populated while every batch reads back
 * as written and the closed log keeps no mapping of its files.
 */
class PretoucherTest {
    private static final long PAGE = OS.pageSize();
    private static final long CHUNK = 1 << 20;

    @TempDir
    Path dir;

    @BeforeAll
    static void linuxWithPopulateWrite() {
        assertThat(OS.isLinux()).as("the pre-toucher is Linux only").isTrue();
        assertThat(Pretoucher.enabled()).as("enabled (-Dweir.storage.pretouch)").isTrue();
    }

    @Test
    void populatesOnlyInsideAMappedChunkAndNeverPastIt() throws IOException {
        File file = dir.resolve("mapped").toFile();
        MappedBytes bytes = MappedBytes.mappedBytes(file, CHUNK, PAGE);
        try {
            bytes.writeLong(0, 42L);
            MappedBytesStore chunk = (MappedBytesStore) bytes.bytesStore();
            long fileLength = file.length();
            long mappedEnd = chunk.realCapacity();
            assertThat(ResidentPagesTest.residentBytesOfFilesUnder(dir)).isLessThan(CHUNK / 2);

            long populated = Pretoucher.populate(chunk, PAGE, mappedEnd + (8L << 20));

            assertThat(populated).as("clipped to the chunk's mapping").isEqualTo(mappedEnd - PAGE);
            assertThat(file.length()).as("the file does not grow").isEqualTo(fileLength);
            assertThat(ResidentPagesTest.residentBytesOfFilesUnder(dir)).as("the chunk's pages are mapped")
                    .isGreaterThanOrEqualTo(mappedEnd - PAGE);
            assertThat(bytes.readLong(0)).as("what was written stays").isEqualTo(42L);
            assertThat(bytes.readLong(PAGE)).as("populating stores nothing").isZero();
            assertThat(Pretoucher.populate(chunk, mappedEnd, mappedEnd + PAGE)).as("outside the chunk").isZero();
        } finally {
            bytes.releaseLast();
        }
    }

    @Test
    void onlyWhatIsStillAheadOfTheAppenderInItsChunkIsPopulated() throws IOException {
        File file = dir.resolve("ahead").toFile();
        MappedBytes bytes = MappedBytes.mappedBytes(file, CHUNK, PAGE);
        try {
            bytes.writeLong(0, 42L);
            MappedBytesStore chunk = (MappedBytesStore) bytes.bytesStore();
            Pretoucher.AppenderPosition position = new Pretoucher.AppenderPosition();
            position.moved(chunk, 10 * PAGE + 1);

            assertThat(Pretoucher.populateAhead(chunk, 4 * PAGE, 20 * PAGE, position))
                    .as("the pages behind the appender's page are skipped").isEqualTo(9 * PAGE);
            position.moved(null, 0);
            assertThat(Pretoucher.populateAhead(chunk, 20 * PAGE, 30 * PAGE, position))
                    .as("the appender left the chunk").isZero();
            position.moved(chunk, 0);
            position.closed();
            assertThat(Pretoucher.populateAhead(chunk, 20 * PAGE, 30 * PAGE, position))
                    .as("the appender is closed").isZero();
        } finally {
            bytes.releaseLast();
        }
    }

    @Test
    void aReleasedChunkIsLeftAlone() throws IOException {
        File file = dir.resolve("released").toFile();
        MappedBytes bytes = MappedBytes.mappedBytes(file, CHUNK, PAGE);
        bytes.writeLong(0, 42L);
        MappedBytesStore chunk = (MappedBytesStore) bytes.bytesStore();
        bytes.releaseLast();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(ResidentPagesTest.mappingsUnder(dir)).as("unmapped").isEmpty());

        assertThat(Pretoucher.populate(chunk, 0, CHUNK)).isZero();
        assertThat(ResidentPagesTest.mappingsUnder(dir)).as("not mapped again").isEmpty();
    }

    @Test
    void anAppendingLogIsPopulatedAheadReadsBackAndItsClosedQueueKeepsNoMapping() throws IOException {
        Path logDir = dir.resolve("log");
        PartitionLog log = PartitionLog.open(new TopicPartition("pretouch", 0), logDir, LogConfig.defaults(),
                new MutableClock(1_700_000_000_000L));
        List<String> written = new ArrayList<>();
        long before = Pretoucher.populatedBytes();
        try {
            for (int b = 0; b < 256; b++) { // about 4 MiB of 16 KiB batches
                log.appendAsLeader(batch(b, written), 0);
                // Let the pre-toucher catch up, so none of its work is skipped as already passed.
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(30))
                        .until(Pretoucher::idle);
            }
            assertThat(Pretoucher.populatedBytes() - before).as("populated ahead of the appender")
                    .isGreaterThanOrEqualTo(2L << 20);
            List<String> read = new ArrayList<>();
            long offset = 0;
            while (offset < log.logEndOffset()) {
                List<TestBatches.OffsetValue> values = TestBatches.values(
                        log.read(offset, 1 << 20, Long.MAX_VALUE, true).records());
                values.forEach(v -> read.add(v.value()));
                offset = values.get(values.size() - 1).offset() + 1;
            }
            assertThat(read).isEqualTo(written);
        } finally {
            log.close();
        }
        // Requests still waiting for a closed queue's chunks must not map them again.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(ResidentPagesTest.mappingsUnder(logDir)).as("mappings of the closed log").isEmpty());
        assertThat(Files.exists(logDir)).isTrue();
    }

    private static MemoryRecords batch(int b, List<String> values) {
        SimpleRecord[] records = new SimpleRecord[15];
        for (int i = 0; i < records.length; i++) {
            String head = "batch " + b + " record " + i + " ";
            String value = head + "x".repeat(1024 - head.length());
            values.add(value);
            records[i] = new SimpleRecord(1_000L, null, value.getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }
}
