package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.storage.CompactionModelPropertyTest.Rec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a child JVM at each step of a compaction: while the new generation is being written,
 * after it is complete but before the commit, after the commit but before the old generation is
 * deleted, and after the swap. Reopening must give a log that reads as before the compaction or as
 * after it: every record at the offset it was appended at, the latest value per key, one queue
 * directory, and a compaction that then completes.
 */
class CompactionCrashTest {
    private static final TopicPartition TP = new TopicPartition("crash", 0);
    private static final long HOUR = 3_600_000L;
    static final LogConfig CONFIG = LogConfig.defaults().withCleanup(
            LogConfig.Cleanup.DELETE.withPolicy(false, true).withLags(HOUR, 0, Long.MAX_VALUE, 0.5));

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"opened", "copying", "copied", "committed", "switched"})
    void killDashNineAtEachStepOfACompactionLeavesTheLogBeforeOrAfterIt(String step) throws Exception {
        TreeMap<Long, Rec> appended = prepare();
        runAndKill(step);
        try (Stream<Path> children = Files.list(dir)) {
            assertThat(children.filter(p -> p.getFileName().toString().startsWith("queue-")).count())
                    .as("a crash may leave a second generation behind").isBetween(1L, 2L);
        }
        PartitionLog log = PartitionLog.open(TP, dir, CONFIG, Clock.systemUTC());
        try {
            check(log, appended, step);
            try (Stream<Path> children = Files.list(dir)) {
                assertThat(children.filter(p -> p.getFileName().toString().startsWith("queue-")).count())
                        .as("opening removes the other generation").isEqualTo(1);
            }
            boolean compactedBefore = log.cleanedTo() > 0;
            assertThat(compactedBefore).as("committed at %s", step)
                    .isEqualTo(step.equals("committed") || step.equals("switched"));
            if (!compactedBefore) {
                assertThat(log.compact(Long.MAX_VALUE, new OffsetMap(1 << 20), Throttler.unlimited())).isPresent();
                check(log, appended, step + ", then compacted");
            }
            assertThat(readAll(log).size()).as("superseded records are gone").isLessThan(appended.size() / 2);
        } finally {
            log.close();
        }
    }

    /** Writes 600 records over 4 hourly roll files: 40 keys, some tombstones, HW at the end. */
    private TreeMap<Long, Rec> prepare() {
        MutableClock clock = new MutableClock(1_700_000_000_000L);
        TreeMap<Long, Rec> appended = new TreeMap<>();
        PartitionLog log = PartitionLog.open(TP, dir, CONFIG, clock);
        try {
            for (int b = 0; b < 60; b++) {
                if (b % 15 == 14) {
                    clock.advance(HOUR);
                }
                List<Rec> recs = new ArrayList<>();
                long base = log.logEndOffset();
                for (int i = 0; i < 10; i++) {
                    long offset = base + i;
                    recs.add(new Rec(offset, "k" + (offset % 40), offset % 11 == 0 ? null : "v" + offset));
                }
                log.appendAsLeader(CompactionModelPropertyTest.keyed(clock.millis(), b % 3 == 0, recs), 0);
                recs.forEach(r -> appended.put(r.offset(), r));
            }
            log.updateHighWatermark(log.logEndOffset());
        } finally {
            log.close();
        }
        return appended;
    }

    private static void check(PartitionLog log, TreeMap<Long, Rec> appended, String when) {
        assertThat(log.logEndOffset()).as("LEO after a crash at %s", when).isEqualTo(appended.lastKey() + 1);
        assertThat(log.highWatermark()).isEqualTo(appended.lastKey() + 1);
        List<Rec> read = readAll(log);
        long previous = -1;
        for (Rec r : read) {
            assertThat(r.offset()).isGreaterThan(previous);
            previous = r.offset();
            assertThat(r).as("offset %d after a crash at %s", r.offset(), when).isEqualTo(appended.get(r.offset()));
        }
        assertThat(fold(read)).as("latest per key after a crash at %s", when)
                .isEqualTo(fold(new ArrayList<>(appended.values())));
    }

    private static List<Rec> readAll(PartitionLog log) {
        return CompactionModelPropertyTest.readAll(log);
    }

    private static Map<String, String> fold(List<Rec> records) {
        Map<String, String> latest = new HashMap<>();
        for (Rec r : records) {
            if (r.value() == null) {
                latest.remove(r.key());
            } else {
                latest.put(r.key(), r.value());
            }
        }
        return new TreeMap<>(latest);
    }

    private void runAndKill(String step) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.chronicle());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CompactionCrashWriter.class.getName());
        cmd.add(dir.toString());
        cmd.add(step);
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean reached = false;
        List<String> output = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
                output.add(line);
                if (line.equals("at " + step)) {
                    reached = true;
                    child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close
                    break;
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(reached).as("the child reached %s; its output: %s", step, output).isTrue();
    }
}
