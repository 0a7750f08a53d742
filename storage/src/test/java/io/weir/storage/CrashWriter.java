package io.weir.storage;

import java.nio.file.Path;
import java.time.Clock;
import org.apache.kafka.common.TopicPartition;

/**
 * Child-JVM main for {@link CrashRecoveryTest}: appends 10-record batches whose values
 * encode their own offsets ("offset/10-offset%10") until killed, printing the last offset
 * of every acknowledged append.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    public static void main(String[] args) {
        PartitionLog log = PartitionLog.open(new TopicPartition("crash", 0), Path.of(args[0]), LogConfig.defaults(),
                Clock.systemUTC());
        System.out.println("opened " + log.logEndOffset());
        System.out.flush();
        long maxBatches = Long.parseLong(args[1]);
        for (long i = 0; i < maxBatches; i++) {
            long next = log.logEndOffset();
            String[] values = new String[10];
            for (int r = 0; r < 10; r++) {
                values[r] = ((next + r) / 10) + "-" + ((next + r) % 10) + "-" + "x".repeat(100);
            }
            LogAppendInfo info = log.appendAsLeader(TestBatches.batch(values), 1);
            System.out.println("acked " + info.lastOffset());
            System.out.flush();
        }
        log.close();
    }
}
