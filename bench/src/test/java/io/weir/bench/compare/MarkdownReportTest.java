package io.weir.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MarkdownReportTest {
    private static final Figure THROUGHPUT = new Figure("t", "produce", "records/s", true);
    private static final Figure LATENCY = new Figure("l", "latency", "ms", false);

    @Test
    void medianSpreadAndRatioPerFigureAndWhichSystemItFavours() {
        Results r = new Results();
        for (double v : new double[] {200_000, 180_000, 220_000}) r.record(THROUGHPUT, "Weir", v);
        for (double v : new double[] {100_000, 90_000, 120_000}) r.record(THROUGHPUT, "Kafka", v);
        for (double v : new double[] {3, 5}) r.record(LATENCY, "Weir", v);
        for (double v : new double[] {2, 2}) r.record(LATENCY, "Kafka", v);

        String md = MarkdownReport.render(r, "Weir", "Kafka", "# head\n", List.of());

        assertThat(md).startsWith("# head\n")
                .contains("| produce | records/s | 200,000 (180,000–220,000) | 100,000 (90,000–120,000) | 2.00× | Weir |")
                .contains("| latency | ms | 4.00 (3.00–5.00) | 2.00 (2.00–2.00) | 2.00× | Kafka |")
                .doesNotContain("Failures");
    }

    @Test
    void aFigureOnlyOneSystemHasShowsNoRatioAndFailuresAreListed() {
        Results r = new Results();
        r.record(LATENCY, "Kafka", 7);
        String md = MarkdownReport.render(r, "Weir", "Kafka", "", List.of("Weir round 1: timed out"));
        assertThat(md).contains("| latency | ms | – | 7.00 | – | – |").contains("- Weir round 1: timed out");
    }

    @Test
    void withinFivePercentNeitherIsBetter() {
        assertThat(MarkdownReport.better(LATENCY, 1.04, "Weir", "Kafka")).isEqualTo("=");
        assertThat(MarkdownReport.better(LATENCY, 0.5, "Weir", "Kafka")).isEqualTo("Weir");
        assertThat(MarkdownReport.better(THROUGHPUT, 0.5, "Weir", "Kafka")).isEqualTo("Kafka");
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(Stats.of(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(new Stats(2.5, 1.0, 4.0, 4));
    }
}
