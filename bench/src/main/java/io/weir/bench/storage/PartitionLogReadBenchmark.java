package io.weir.bench.storage;

import io.weir.bench.TempDirs;
import io.weir.storage.LogConfig;
import io.weir.storage.LogReadResult;
import io.weir.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.MemoryRecords;
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
 * Sequential reads as a consumer fetches (one op = up to 1 MiB of whole 16 KiB batches into
 * a fresh heap buffer) from a 256 MiB log that sits in the page cache: Weir's
 * {@code PartitionLog.read} against {@link FileChannel#read} of the same byte count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PartitionLogReadBenchmark {
    private static final long LOG_BYTES = 256L << 20;
    private static final int FETCH_BYTES = 1 << 20;

    @Param({"100", "1024"})
    int recordSize;

    private Path dir;
    private PartitionLog log;
    private FileChannel channel;
    private int readBytes;
    private long recordsPerRead;
    private long fileBytes;
    private long nextOffset;
    private long nextPosition;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        byte[] batch = Batches.sixteenKiBBatch(recordSize);
        int batchesPerRead = FETCH_BYTES / batch.length;
        readBytes = batchesPerRead * batch.length;
        recordsPerRead = (long) batchesPerRead * Batches.recordCount(batch);
        dir = Files.createTempDirectory("weir-bench-read");
        log = PartitionLog.open(new TopicPartition("bench", 0), dir.resolve("log"), LogConfig.defaults(),
                Clock.systemUTC());
        channel = FileChannel.open(dir.resolve("baseline.log"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        long batches = LOG_BYTES / batch.length;
        for (long i = 0; i < batches; i++) {
            log.appendAsLeader(MemoryRecords.readableRecords(ByteBuffer.wrap(batch.clone())), 0);
            channel.write(ByteBuffer.wrap(batch));
        }
        fileBytes = channel.size();
        log.updateHighWatermark(log.logEndOffset());
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        log.close();
        channel.close();
        TempDirs.delete(dir);
    }

    @Benchmark
    public int weirRead() {
        if (nextOffset + recordsPerRead > log.highWatermark()) {
            nextOffset = 0;
        }
        LogReadResult result = log.read(nextOffset, FETCH_BYTES, log.highWatermark(), true);
        nextOffset += recordsPerRead;
        return result.records().sizeInBytes();
    }

    @Benchmark
    public int fileChannelRead() throws IOException {
        if (nextPosition + readBytes > fileBytes) {
            nextPosition = 0;
        }
        ByteBuffer buf = ByteBuffer.allocate(readBytes);
        int n = channel.read(buf, nextPosition);
        nextPosition += readBytes;
        return n;
    }
}
