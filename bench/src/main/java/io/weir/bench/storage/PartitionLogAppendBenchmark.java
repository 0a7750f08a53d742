package io.weir.bench.storage;

import io.weir.bench.TempDirs;
import io.weir.storage.LogAppendInfo;
import io.weir.storage.LogConfig;
import io.weir.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
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
 * Appends of one 16 KiB batch (one op = one batch): Weir's {@code PartitionLog} (validate,
 * assign offsets, write one Chronicle excerpt), the same bytes written to a plain
 * {@link FileChannel} (the baseline), and a raw Chronicle excerpt write with no
 * validation (to separate Chronicle's cost from Weir's checks). Each iteration starts
 * from an empty directory so the disk use stays bounded.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PartitionLogAppendBenchmark {
    @Param({"100", "1024"})
    int recordSize;

    private byte[] batch;
    private Path dir;
    private PartitionLog log;
    private FileChannel channel;
    private SingleChronicleQueue rawQueue;
    private ExcerptAppender rawAppender;

    @Setup(Level.Trial)
    public void buildBatch() {
        batch = Batches.sixteenKiBBatch(recordSize);
    }

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = Files.createTempDirectory("weir-bench-append");
        log = PartitionLog.open(new TopicPartition("bench", 0), dir.resolve("log"), LogConfig.defaults(),
                Clock.systemUTC());
        channel = FileChannel.open(dir.resolve("baseline.log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        rawQueue = SingleChronicleQueueBuilder.single(dir.resolve("raw").toFile()).blockSize(16L << 20).build();
        rawAppender = rawQueue.createAppender();
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        log.close();
        channel.close();
        rawAppender.close();
        rawQueue.close();
        TempDirs.delete(dir);
    }

    @Benchmark
    public LogAppendInfo weirAppend() {
        return log.appendAsLeader(MemoryRecords.readableRecords(ByteBuffer.wrap(batch)), 0);
    }

    @Benchmark
    public int fileChannelAppend() throws IOException {
        return channel.write(ByteBuffer.wrap(batch));
    }

    @Benchmark
    public long chronicleRawAppend() {
        try (DocumentContext dc = rawAppender.writingDocument()) {
            dc.wire().bytes().write(batch);
        }
        return rawAppender.lastIndexAppended();
    }
}
