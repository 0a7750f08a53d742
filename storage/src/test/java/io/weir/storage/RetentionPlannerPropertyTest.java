package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The retention planner's promises, on random roll files holding consecutive offsets. */
class RetentionPlannerPropertyTest {
    private static final long NOW = 1_700_000_000_000L;

    /** A roll file before offsets are assigned: no data, or a span of offsets with an age and a size. */
    record FileSpec(int cycleGap, int offsets, long ageMs, long bytes) {
    }

    record Log(List<RetentionPlanner.RollFile> files, long logStartOffset, long logEndOffset, long liveBytes) {
    }

    @Provide
    Arbitrary<Log> logs() {
        Arbitrary<FileSpec> file = Combinators.combine(
                Arbitraries.integers().between(1, 3),
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0)), Tuple.of(4, Arbitraries.integers().between(1, 50))),
                Arbitraries.longs().between(0, 10_000),
                Arbitraries.longs().between(61, 5_000)).as(FileSpec::new);
        return Combinators.combine(file.list().ofMinSize(1).ofMaxSize(8), Arbitraries.integers().between(0, 30))
                .as(RetentionPlannerPropertyTest::toLog);
    }

    private static Log toLog(List<FileSpec> specs, int startIntoFirstBatch) {
        List<RetentionPlanner.RollFile> files = new ArrayList<>();
        int cycle = 100;
        long next = 1_000;
        long index = 0;
        long liveBytes = 0;
        long start = -1;
        for (FileSpec s : specs) {
            cycle += s.cycleGap();
            if (s.offsets() == 0) {
                files.add(new RetentionPlanner.RollFile(cycle, -1, -1, -1, -1, 0));
                continue;
            }
            if (start < 0) {
                start = next + Math.min(startIntoFirstBatch, s.offsets() - 1); // the start may fall inside a batch
            }
            files.add(new RetentionPlanner.RollFile(cycle, index, next, next + s.offsets() - 1, NOW - s.ageMs(),
                    s.bytes()));
            next += s.offsets();
            index += 10;
            liveBytes += s.bytes();
        }
        return new Log(List.copyOf(files), start < 0 ? next : start, next, liveBytes);
    }

    @Property(tries = 500)
    void retentionDeletesAnOldestFirstPrefixOfFilesThatAreDueAndStopsOnlyForAReason(
            @ForAll("logs") Log log,
            @ForAll @IntRange(min = 0, max = 1000) int hwSeed,
            @ForAll @LongRange(min = -1, max = 12_000) long retentionMs,
            @ForAll @LongRange(min = -1, max = 40_000) long retentionBytes) {
        long hw = log.logStartOffset() + hwSeed % (log.logEndOffset() - log.logStartOffset() + 1);
        Optional<RetentionPlanner.Plan> plan = RetentionPlanner.plan(log.files(), log.liveBytes(),
                log.logStartOffset(), hw, NOW, retentionMs, retentionBytes);

        List<RetentionPlanner.RollFile> doomed = plan.map(RetentionPlanner.Plan::doomed).orElse(List.of());
        Statistics.label("deletes data").collect(doomed.stream().anyMatch(RetentionPlanner.RollFile::hasData));
        Statistics.label("deletes data").coverage(c -> c.check(true).percentage(p -> p > 10));
        assertThat(log.files().subList(0, doomed.size())).as("oldest first, no gaps").isEqualTo(doomed);
        RetentionPlanner.RollFile newestWithData = log.files().stream().filter(RetentionPlanner.RollFile::hasData)
                .reduce((a, b) -> b).orElse(null);
        assertThat(doomed).as("never the newest file with data").doesNotContain(newestWithData);
        long remaining = log.liveBytes();
        for (RetentionPlanner.RollFile f : doomed) {
            if (f.hasData()) {
                assertThat(f.lastOffset()).as("never data at or above the high watermark").isLessThan(hw);
                boolean expired = retentionMs >= 0 && f.maxTimestamp() < NOW - retentionMs;
                boolean oversize = retentionBytes >= 0 && remaining - f.liveBytes() >= retentionBytes;
                assertThat(expired || oversize).as("only files past retention: %s", f).isTrue();
            }
            remaining -= f.liveBytes();
        }
        if (newestWithData == null) {
            assertThat(plan).isEmpty();
            return;
        }
        RetentionPlanner.RollFile firstKept = log.files().get(doomed.size());
        boolean mustStay = firstKept == newestWithData || (firstKept.hasData() && (firstKept.lastOffset() >= hw
                || !((retentionMs >= 0 && firstKept.maxTimestamp() < NOW - retentionMs)
                        || (retentionBytes >= 0 && remaining - firstKept.liveBytes() >= retentionBytes))));
        assertThat(mustStay).as("the plan stops at a file that must stay: %s", firstKept).isTrue();
        if (plan.isPresent()) {
            RetentionPlanner.Plan p = plan.get();
            assertThat(p.firstKept()).isEqualTo(firstKept);
            assertThat(p.newLogStartOffset()).isEqualTo(Math.max(log.logStartOffset(), firstKept.firstOffset()))
                    .isBetween(log.logStartOffset(), hw);
            assertThat(p.bytesFreed()).isEqualTo(log.liveBytes() - remaining);
        }
    }

    @Property(tries = 200)
    void withNoLimitsOnlyFilesWithoutDataGo(@ForAll("logs") Log log) {
        Optional<RetentionPlanner.Plan> plan = RetentionPlanner.plan(log.files(), log.liveBytes(),
                log.logStartOffset(), log.logEndOffset(), NOW, -1, -1);
        plan.ifPresent(p -> assertThat(p.doomed()).noneMatch(RetentionPlanner.RollFile::hasData));
    }
}
