package io.weir.storage;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Child-JVM main for {@link CompactionCrashTest}: opens the compacted log the test prepared,
 * compacts it, and at the step named by its second argument prints "at STEP" and waits to be
 * killed with kill -9.
 */
public final class CompactionCrashWriter {
    private CompactionCrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        String stopAt = args[1];
        LogCompaction.stepHook = step -> {
            if (step.equals(stopAt)) {
                System.out.println("at " + step);
                System.out.flush();
                try {
                    TimeUnit.MINUTES.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        PartitionLog log = PartitionLog.open(new TopicPartition("crash", 0), Path.of(args[0]),
                CompactionCrashTest.CONFIG, Clock.systemUTC());
        System.out.println("opened " + log.logEndOffset());
        System.out.flush();
        log.compact(Long.MAX_VALUE, new OffsetMap(1 << 20), Throttler.unlimited());
        System.out.println("done");
        System.out.flush();
    }
}
