package io.weir.storage;

import static io.weir.storage.TestBatches.batch;
import static io.weir.storage.TestBatches.valuesOnly;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrecreatedRollFileTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);

    /**
     * A new log's roll file starts from the zeros written before Chronicle created it: the pages
     * past them are not read into the page cache (Linux's read-around filled megabytes of zeros
     * there; on a device with a read-ahead smaller than 1 MiB it never did, and this passes either
     * way), no pre-created file is left over, and the batches read back, also in the next hour's
     * roll file and after a restart.
     */
    @Test
    void aNewRollFileStartsFromThePrecreatedPagesOnly() throws IOException {
        TopicPartition tp = new TopicPartition("pre", 0);
        Path partitionDir = dir.resolve("pre-0");
        try (PartitionLog log = PartitionLog.open(tp, partitionDir, LogConfig.defaults(), clock)) {
            log.appendAsLeader(batch("a"), 0);
            List<Path> rollFiles = files(partitionDir.resolve("queue-0"), ".cq4");
            assertThat(rollFiles).hasSize(1);
            assertThat(Files.size(rollFiles.get(0))).isGreaterThan(8L << 20);
            try (FileChannel ch = FileChannel.open(rollFiles.get(0), StandardOpenOption.READ)) {
                // mincore(2): whether every page of [1 MiB, 8 MiB) of the file is in the page cache.
                MappedByteBuffer past = ch.map(FileChannel.MapMode.READ_ONLY, 1L << 20, 7L << 20);
                assertThat(past.isLoaded()).as("pages past the pre-created prefix in the page cache").isFalse();
            }
            clock.advance(3_600_000);
            log.appendAsLeader(batch("b"), 0);
            assertThat(files(partitionDir.resolve("queue-0"), ".cq4")).hasSize(2);
            assertThat(files(partitionDir.resolve("queue-0"), ".precreated")).isEmpty();
            assertThat(valuesOnly(log.read(0, 1 << 20, Long.MAX_VALUE, true).records())).containsExactly("a", "b");
        }
        try (PartitionLog log = PartitionLog.open(tp, partitionDir, LogConfig.defaults(), clock)) {
            assertThat(valuesOnly(log.read(0, 1 << 20, Long.MAX_VALUE, true).records())).containsExactly("a", "b");
        }
    }

    @Test
    void aRollFileThatExistsIsLeftAlone() throws IOException {
        Path queueDir = Files.createDirectories(dir.resolve("q"));
        Path existing = Files.write(queueDir.resolve("20231114-22F.cq4"), new byte[] {1, 2, 3});
        assertThat(PrecreatedRollFile.prepare(existing.toFile())).isFalse();
        assertThat(files(queueDir, ".precreated")).isEmpty();
        Path absent = queueDir.resolve("20231114-23F.cq4");
        assertThat(PrecreatedRollFile.prepare(absent.toFile())).isTrue();
        assertThat(PrecreatedRollFile.prepare(absent.toFile())).as("already pre-created").isFalse();
        Path precreated = queueDir.resolve("20231114-23F.precreated");
        assertThat(Files.size(precreated)).isEqualTo(PrecreatedRollFile.BYTES);
        assertThat(Files.readAllBytes(precreated)).containsOnly(0);
    }

    /** One left by a cycle that rolled before its first write, or by a kill -9, is deleted when the queue opens. */
    @Test
    void aStrayPrecreatedFileIsDeletedWhenTheQueueOpens() throws IOException {
        TopicPartition tp = new TopicPartition("stray", 0);
        Path partitionDir = dir.resolve("stray-0");
        try (PartitionLog log = PartitionLog.open(tp, partitionDir, LogConfig.defaults(), clock)) {
            log.appendAsLeader(batch("a"), 0);
        }
        Path stray = Files.write(partitionDir.resolve("queue-0").resolve("19700101-00F.precreated"), new byte[4096]);
        try (PartitionLog log = PartitionLog.open(tp, partitionDir, LogConfig.defaults(), clock)) {
            assertThat(valuesOnly(log.read(0, 1 << 20, Long.MAX_VALUE, true).records())).containsExactly("a");
            assertThat(stray).doesNotExist();
            log.appendAsLeader(batch("b"), 0);
            assertThat(valuesOnly(log.read(0, 1 << 20, Long.MAX_VALUE, true).records())).containsExactly("a", "b");
        }
    }

    private static List<Path> files(Path d, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
        }
    }
}
