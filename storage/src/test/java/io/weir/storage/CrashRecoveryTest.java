package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 a child JVM in the middle of appends, repeatedly, and check that reopening
 * yields a consistent prefix of whole, valid batches containing every acknowledged one.
 */
class CrashRecoveryTest {
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    @Test
    void killDashNineDuringAppendsLeavesAConsistentPrefixWithEveryAcknowledgedBatch() throws Exception {
        long lastAcked = -1;
        for (int round = 0; round < ROUNDS; round++) {
            lastAcked = Math.max(lastAcked, runAndKill(round));
            PartitionLog log = PartitionLog.open(new TopicPartition("crash", 0), dir, LogConfig.defaults(),
                    Clock.systemUTC());
            try {
                assertThat(log.logEndOffset()).as("round %d: LEO covers every acknowledged record", round)
                        .isGreaterThan(lastAcked);
                long expected = 0;
                long readFrom = 0;
                while (readFrom < log.logEndOffset()) {
                    var records = log.read(readFrom, 1 << 20, Long.MAX_VALUE, true).records();
                    for (RecordBatch batch : records.batches()) {
                        assertThat(batch.isValid()).isTrue();
                        for (Record r : batch) {
                            assertThat(r.offset()).isEqualTo(expected);
                            byte[] v = new byte[r.valueSize()];
                            r.value().get(v);
                            assertThat(new String(v, StandardCharsets.UTF_8))
                                    .startsWith((expected / 10) + "-" + (expected % 10) + "-");
                            expected++;
                        }
                        readFrom = batch.nextOffset();
                    }
                }
                assertThat(expected).isEqualTo(log.logEndOffset());
                assertThat(expected % 10).as("only whole batches").isZero();
            } finally {
                log.close();
            }
        }
    }

    /** Starts a writer, lets it acknowledge a few thousand batches, kills it; returns its last acknowledged offset. */
    private long runAndKill(int round) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.chronicle());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CrashWriter.class.getName());
        cmd.add(dir.toString());
        cmd.add("1000000");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        long lastAcked = -1;
        int acks = 0;
        int killAfter = 2000 + round * 777;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
                if (line.startsWith("acked ")) {
                    lastAcked = Long.parseLong(line.substring(6));
                    if (++acks == killAfter) {
                        child.destroyForcibly();
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acks).as("the writer acknowledged appends before it was killed").isEqualTo(killAfter);
        return lastAcked;
    }
}
