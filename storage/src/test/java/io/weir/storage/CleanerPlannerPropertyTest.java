package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;

/** The cleaner planner's promises, on random roll files holding consecutive offsets. */
class CleanerPlannerPropertyTest {
    private static final long NOW = 1_700_000_000_000L;

    /** A roll file before offsets: no data, or a span of offsets with an age and a size. */
    record FileSpec(int offsets, long ageMs, long bytes) {
    }

    @Provide
    Arbitrary<List<RetentionPlanner.RollFile>> logs() {
        Arbitrary<FileSpec> file = Combinators.combine(
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0)), Tuple.of(5, Arbitraries.integers().between(1, 50))),
                Arbitraries.longs().between(0, 10_000),
                Arbitraries.longs().between(61, 5_000)).as(FileSpec::new);
        return file.list().ofMinSize(1).ofMaxSize(8).map(CleanerPlannerPropertyTest::toFiles);
    }

    private static List<RetentionPlanner.RollFile> toFiles(List<FileSpec> specs) {
        List<RetentionPlanner.RollFile> files = new ArrayList<>();
        int cycle = 100;
        long next = 0;
        long index = 0;
        // Files get older towards the start of the log, as they do.
        long age = specs.stream().mapToLong(FileSpec::ageMs).sum();
        for (FileSpec s : specs) {
            cycle++;
            age -= s.ageMs();
            if (s.offsets() == 0) {
                files.add(new RetentionPlanner.RollFile(cycle, -1, -1, -1, -1, 0));
                continue;
            }
            files.add(new RetentionPlanner.RollFile(cycle, index, next, next + s.offsets() - 1, NOW - age, s.bytes()));
            next += s.offsets();
            index += 10;
        }
        return files;
    }

    @Provide
    Arbitrary<LogConfig.Cleanup> configs() {
        return Combinators.combine(Arbitraries.longs().between(0, 6_000), Arbitraries.of(Long.MAX_VALUE, 1L, 5_000L),
                        Arbitraries.of(0.0, 0.25, 0.5, 0.9, 1.0))
                .as((minLag, maxLag, ratio) -> LogConfig.Cleanup.DELETE.withPolicy(false, true)
                        .withLags(1_000, minLag, maxLag, ratio));
    }

    @Property(tries = 2_000)
    void aPlanNeverReachesTheActiveFileTheBoundOrTheMinimumLag(
            @ForAll("logs") List<RetentionPlanner.RollFile> files, @ForAll("configs") LogConfig.Cleanup config,
            @ForAll @LongRange(min = 0, max = 300) long cleanedTo, @ForAll @LongRange(min = 0, max = 300) long bound) {
        Optional<CleanerPlanner.Plan> plan = CleanerPlanner.plan(files, 0, cleanedTo, bound, NOW, config);
        if (plan.isEmpty()) {
            return;
        }
        CleanerPlanner.Plan p = plan.get();
        assertThat(p.firstDirty()).isEqualTo(cleanedTo);
        assertThat(p.cleanableEnd()).isGreaterThan(p.firstDirty()).isLessThanOrEqualTo(bound);
        int active = files.stream().filter(RetentionPlanner.RollFile::hasData)
                .mapToInt(RetentionPlanner.RollFile::cycle).max().orElseThrow();
        for (RetentionPlanner.RollFile f : files) {
            if (f.hasData() && f.firstOffset() < p.cleanableEnd()) {
                assertThat(f.cycle()).as("not the active file").isLessThan(active);
                assertThat(f.lastOffset()).as("whole files only").isLessThan(p.cleanableEnd());
                assertThat(f.maxTimestamp()).as("min.compaction.lag.ms").isLessThanOrEqualTo(
                        NOW - config.minCompactionLagMs());
            }
        }
        assertThat(p.forced() || p.dirtyRatio() >= config.minDirtyRatio()).as("ratio or max lag").isTrue();
    }

    @Property(tries = 1_000)
    void withNoLimitsEveryFileButTheActiveOneBelowTheBoundIsCleaned(
            @ForAll("logs") List<RetentionPlanner.RollFile> files) {
        LogConfig.Cleanup eager = LogConfig.Cleanup.DELETE.withPolicy(false, true).withLags(0, 0, Long.MAX_VALUE, 0);
        Optional<CleanerPlanner.Plan> plan = CleanerPlanner.plan(files, 0, 0, Long.MAX_VALUE, NOW, eager);
        int active = files.stream().filter(RetentionPlanner.RollFile::hasData)
                .mapToInt(RetentionPlanner.RollFile::cycle).max().orElse(-1);
        long expectedEnd = files.stream().filter(f -> f.hasData() && f.cycle() < active)
                .mapToLong(f -> f.lastOffset() + 1).max().orElse(-1);
        if (expectedEnd <= 0) {
            assertThat(plan).isEmpty();
        } else {
            assertThat(plan).hasValueSatisfying(p -> assertThat(p.cleanableEnd()).isEqualTo(expectedEnd));
        }
    }

    @Example
    void theDirtyRatioDecidesUnlessTheMaximumLagHasPassed() {
        List<RetentionPlanner.RollFile> files = List.of(
                new RetentionPlanner.RollFile(1, 0, 0, 9, NOW - 10_000, 3_000),   // clean
                new RetentionPlanner.RollFile(2, 10, 10, 19, NOW - 9_000, 1_000), // dirty
                new RetentionPlanner.RollFile(3, 20, 20, 29, NOW, 1_000));         // active
        LogConfig.Cleanup half = LogConfig.Cleanup.DELETE.withPolicy(true, true).withLags(0, 0, Long.MAX_VALUE, 0.5);
        assertThat(CleanerPlanner.plan(files, 0, 10, 30, NOW, half)).as("25% dirty").isEmpty();
        assertThat(CleanerPlanner.plan(files, 0, 10, 30, NOW, half.withLags(0, 0, Long.MAX_VALUE, 0.25)))
                .hasValueSatisfying(p -> assertThat(p.cleanableEnd()).isEqualTo(20));
        assertThat(CleanerPlanner.plan(files, 0, 10, 30, NOW, half.withLags(0, 0, 8_000, 0.5)))
                .hasValueSatisfying(p -> assertThat(p.forced()).isTrue());
        assertThat(CleanerPlanner.plan(files, 0, 10, 30, NOW, half.withPolicy(true, false))).as("delete only")
                .isEmpty();
        assertThat(CleanerPlanner.plan(files, 0, 0, 15, NOW, half)).as("the HW cuts the second file").hasValueSatisfying(
                p -> assertThat(p.cleanableEnd()).isEqualTo(10));
    }

    @Example
    void aRecordSurvivesUnlessSupersededOrAnExpiredTombstone() {
        assertThat(CleanerPlanner.retain(5, -1, false, -1, NOW)).as("key not in the map").isTrue();
        assertThat(CleanerPlanner.retain(5, 5, false, -1, NOW)).as("the latest").isTrue();
        assertThat(CleanerPlanner.retain(5, 7, false, -1, NOW)).as("superseded").isFalse();
        assertThat(CleanerPlanner.retain(5, 5, true, -1, NOW)).as("a tombstone before its first cleaning").isTrue();
        assertThat(CleanerPlanner.retain(5, 5, true, NOW + 1, NOW)).as("before its horizon").isTrue();
        assertThat(CleanerPlanner.retain(5, 5, true, NOW, NOW)).as("at its horizon").isFalse();
        assertThat(CleanerPlanner.retain(5, 7, true, NOW + 1, NOW)).as("a superseded tombstone").isFalse();
    }
}
