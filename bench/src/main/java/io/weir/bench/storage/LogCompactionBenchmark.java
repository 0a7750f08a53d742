package io.weir.bench.storage;

import io.weir.bench.TempDirs;
import io.weir.storage.CompactionResult;
import io.weir.storage.LogConfig;
import io.weir.storage.OffsetMap;
import io.weir.storage.PartitionLog;
import io.weir.storage.Throttler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The log cleaner's throughput: one op compacts a 64 MiB log (in the page cache) of keyed records
 * where half the records are superseded by a later record of their key, spread over four hourly
 * roll files plus an active one ({@code PartitionLog.compact}, unthrottled: key map, copy into a new
 * generation, swap). The baseline reads the same batch bytes, written to a plain file, sequentially
 * with a {@link FileChannel} in 1 MiB chunks. MB/s of log cleaned = 64 MiB / the op's time; the ratio is against the baseline.
 * Each op works on a fresh copy of the uncompacted log, made outside the measured time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 8)
@Fork(1)
public class LogCompactionBenchmark {
    static final long LOG_BYTES = 64L << 20;
    private static final long HOUR = 3_600_000L;
    private static final TopicPartition TP = new TopicPartition("bench-compacted", 0);
    private static final LogConfig CONFIG = LogConfig.defaults().withCleanup(
            LogConfig.Cleanup.DELETE.withPolicy(false, true).withLags(HOUR, 0, Long.MAX_VALUE, 0.5));

    @Param({"100", "1024"})
    int recordSize;

    private Path dir;
    private Path template;
    private Path work;
    private PartitionLog log;
    private OffsetMap map;
    private Path baseline;

    /** A clock the setup moves by hand, so the log spans several roll files. */
    static final class SteppedClock extends Clock {
        long millis = 1_700_000_000_000L;

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = Files.createTempDirectory("weir-bench-compaction");
        template = dir.resolve("template");
        SteppedClock clock = new SteppedClock();
        PartitionLog l = PartitionLog.open(TP, template, CONFIG, clock);
        baseline = dir.resolve("baseline.log");
        FileChannel plain = FileChannel.open(baseline, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        Random random = new Random(42);
        byte[] value = new byte[recordSize];
        int perBatch = Math.max(1, Batches.BATCH_BYTES / (recordSize + 20));
        long records = LOG_BYTES / (recordSize + 20);
        long keys = records / 2; // each key written twice: half the records are superseded
        long written = 0;
        long bytes = 0;
        while (bytes < LOG_BYTES) {
            SimpleRecord[] batch = new SimpleRecord[perBatch];
            for (int i = 0; i < perBatch; i++) {
                random.nextBytes(value);
                long key = written++ % keys;
                batch[i] = new SimpleRecord(clock.millis(), ("key-" + key).getBytes(StandardCharsets.UTF_8),
                        value.clone());
            }
            MemoryRecords m = MemoryRecords.withRecords(Compression.NONE, batch);
            bytes += m.sizeInBytes();
            plain.write(m.buffer().duplicate());
            l.appendAsLeader(m, 0);
            if (bytes / (LOG_BYTES / 4) != (bytes - m.sizeInBytes()) / (LOG_BYTES / 4)) {
                clock.millis += HOUR; // the next quarter goes into the next roll file
            }
        }
        clock.millis += HOUR;
        l.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(clock.millis(),
                "active".getBytes(StandardCharsets.UTF_8), value)), 0);
        l.updateHighWatermark(l.logEndOffset());
        l.close();
        plain.close();
        map = new OffsetMap(64 << 20);
    }

    @Setup(Level.Invocation)
    public void freshCopy() throws IOException {
        work = dir.resolve("work");
        if (Files.exists(work)) {
            TempDirs.delete(work);
        }
        try (Stream<Path> walk = Files.walk(template)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Files.copy(p, work.resolve(template.relativize(p).toString()));
            }
        }
        log = PartitionLog.open(TP, work, CONFIG, Clock.systemUTC());
    }

    @TearDown(Level.Invocation)
    public void closeCopy() {
        log.close();
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        TempDirs.delete(dir);
    }

    @Benchmark
    public long compact() throws InterruptedException {
        CompactionResult r = log.compact(Long.MAX_VALUE, map, Throttler.unlimited()).orElseThrow(
                () -> new IllegalStateException("the log was not due a compaction"));
        return r.bytesWritten();
    }

    @Benchmark
    public long sequentialRead() throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        long total = 0;
        try (FileChannel ch = FileChannel.open(baseline, StandardOpenOption.READ)) {
            int n;
            while ((n = ch.read(buf)) > 0) {
                total += n;
                buf.clear();
            }
        }
        return total;
    }
}
