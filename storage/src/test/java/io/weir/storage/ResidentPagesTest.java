package io.weir.storage;

import static io.weir.storage.TestBatches.valuesOnly;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log's bytes do not stay in the process's resident memory: Chronicle keeps the first 20 MiB
 * mapping of a roll file for as long as the file is open, so without dropping pages every byte
 * written to or read from a small log would count in the node's RSS (what the side-by-side run
 * against Kafka measured). Resident pages are read from this process's {@code /proc/self/smaps},
 * counting only the mappings of this test's files. And nothing is lost: what was written is read
 * back, after a reopen too, and the file on disk (read past the page cache) holds it.
 */
class ResidentPagesTest {
    private static final TopicPartition TP = new TopicPartition("rss", 0);
    /** 16 KiB batches of 1 KiB records, as a producer's default batch.size makes them. */
    private static final int RECORDS_PER_BATCH = 15;
    private static final int BATCHES = 700; // about 11 MiB: inside the first 16 MiB chunk

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open() {
        PartitionLog log = PartitionLog.open(TP, dir, LogConfig.defaults(), clock);
        opened.add(log);
        return log;
    }

    @Test
    void writtenAndReadPagesLeaveTheResidentSetAndTheDataStays() throws IOException {
        PartitionLog log = open();
        List<String> written = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            log.appendAsLeader(batch(b, written), 0);
        }
        long logBytes = log.sizeInBytes();
        assertThat(logBytes).isGreaterThan(10L << 20);
        assertThat(residentBytesOfFilesUnder(dir)).as("resident after %,d bytes appended: %s", logBytes, mappingsUnder(dir))
                .isLessThan(1L << 20);

        // Read it all back, 1 MiB at a time, as a consumer does.
        List<String> read = readAll(log);
        assertThat(read).isEqualTo(written);
        assertThat(residentBytesOfFilesUnder(dir)).as("resident after reading %,d bytes", logBytes)
                .isLessThan(2L << 20);

        log.close();
        opened.remove(log);
        PartitionLog reopened = open(); // the open-time scan reads every batch header
        assertThat(residentBytesOfFilesUnder(dir)).as("resident after reopening").isLessThan(2L << 20);
        assertThat(readAll(reopened)).isEqualTo(written);
    }

    @Test
    void droppedDirtyPagesStillReachTheDisk() throws IOException {
        PartitionLog log = open();
        List<String> written = new ArrayList<>();
        long droppedBefore = MappedPages.droppedBytes();
        for (int b = 0; b < 200; b++) { // about 3 MiB
            log.appendAsLeader(batch(b, written), 0);
        }
        assertThat(MappedPages.droppedBytes() - droppedBefore).as("bytes dropped while appending")
                .isGreaterThan(2L << 20);

        // An O_DIRECT read writes the range's dirty page-cache pages back first, then reads the disk. Had
        // dropping the mapping lost a page's dirty bit, the page would never be written back and the disk
        // would still hold the zeros of the sparse file where the page cache holds the batches.
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> rollFiles = files.filter(p -> p.toString().endsWith(".cq4")).toList();
            assertThat(rollFiles).hasSize(1);
            Path f = rollFiles.get(0);
            int length = 4 << 20;
            byte[] cached = readCached(f, length);
            byte[] onDisk = readDirect(f, length);
            assertThat(Arrays.equals(cached, onDisk)).as("disk holds what the page cache holds").isTrue();
            String text = new String(onDisk, StandardCharsets.ISO_8859_1);
            assertThat(text).contains(written.get(0)).contains(written.get(written.size() - 1));
        }
    }

    private static MemoryRecords batch(int b, List<String> values) {
        SimpleRecord[] records = new SimpleRecord[RECORDS_PER_BATCH];
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
            String head = "batch " + b + " record " + i + " ";
            String value = head + "x".repeat(1024 - head.length());
            values.add(value);
            records[i] = new SimpleRecord(1_000L, null, value.getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    private static List<String> readAll(PartitionLog log) {
        List<String> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            List<TestBatches.OffsetValue> values = TestBatches.values(
                    log.read(offset, 1 << 20, Long.MAX_VALUE, true).records());
            values.forEach(v -> out.add(v.value()));
            offset = values.get(values.size() - 1).offset() + 1;
        }
        return out;
    }

    /** The Rss of every mapping in /proc/self/smaps of a file under {@code dir}. */
    static long residentBytesOfFilesUnder(Path dir) throws IOException {
        return mappingsUnder(dir).stream().mapToLong(Mapping::residentBytes).sum();
    }

    /** A mapping of a file: its line in smaps and its Rss. */
    record Mapping(String line, long residentBytes) {
    }

    static List<Mapping> mappingsUnder(Path dir) throws IOException {
        String prefix = dir.toRealPath().toString() + "/";
        List<Mapping> out = new ArrayList<>();
        String header = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            int space = line.indexOf(' ');
            if (space > 0 && line.substring(0, space).matches("[0-9a-f]+-[0-9a-f]+")) {
                String[] f = line.trim().split("\\s+", 6);
                header = f.length == 6 && f[5].startsWith(prefix) ? line : null;
            } else if (header != null && line.startsWith("Rss:")) {
                out.add(new Mapping(header, Long.parseLong(line.split("\\s+")[1]) * 1024));
            }
        }
        return out;
    }

    private static byte[] readCached(Path f, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
                // until full
            }
        }
        return buf.array();
    }

    private static byte[] readDirect(Path f, int length) throws IOException {
        int block = (int) Files.getFileStore(f).getBlockSize();
        ByteBuffer buf = ByteBuffer.allocateDirect(length + block).alignedSlice(block);
        buf.limit(length);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
            while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
                // until full
            }
        }
        byte[] out = new byte[length];
        buf.flip();
        buf.get(out);
        return out;
    }
}
