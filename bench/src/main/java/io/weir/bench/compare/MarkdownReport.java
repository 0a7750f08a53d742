package io.weir.bench.compare;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The comparison as a Markdown table: per figure, each system's median with its spread
 * (min–max over the rounds) and the ratio of the medians, Weir / Kafka.
 */
final class MarkdownReport {
    private MarkdownReport() {
    }

    /** {@code header} goes above the table as it is (the run's settings and machine). */
    static String render(Results results, String first, String second, String header, List<String> errors) {
        StringBuilder md = new StringBuilder(header);
        md.append("\n| figure | unit | ").append(first).append(" median (min–max) | ").append(second)
                .append(" median (min–max) | ").append(first).append(" / ").append(second).append(" | better |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (Figure f : results.figures()) {
            Optional<Stats> a = results.stats(f, first);
            Optional<Stats> b = results.stats(f, second);
            md.append("| ").append(f.label()).append(" | ").append(f.unit()).append(" | ")
                    .append(a.map(MarkdownReport::cell).orElse("–")).append(" | ")
                    .append(b.map(MarkdownReport::cell).orElse("–")).append(" | ");
            if (a.isPresent() && b.isPresent()) {
                double r = Stats.ratio(a.get(), b.get());
                md.append(Double.isNaN(r) ? "–" : String.format(Locale.ROOT, "%.2f×", r)).append(" | ")
                        .append(better(f, r, first, second));
            } else {
                md.append("– | –");
            }
            md.append(" |\n");
        }
        if (!errors.isEmpty()) {
            md.append("\nFailures (their figures are missing from the rounds they happened in):\n\n");
            for (String e : errors) md.append("- ").append(e.replace("\n", " ")).append('\n');
        }
        return md.toString();
    }

    /** Which system the ratio favours, or "=" within 5%. */
    static String better(Figure f, double ratio, String first, String second) {
        if (Double.isNaN(ratio) || Math.abs(ratio - 1) < 0.05) return "=";
        boolean firstBigger = ratio > 1;
        return firstBigger == f.higherIsBetter() ? first : second;
    }

    static String cell(Stats s) {
        if (s.count() == 1) return number(s.median());
        return number(s.median()) + " (" + number(s.min()) + "–" + number(s.max()) + ")";
    }

    /** Three significant figures at most, thousands separated. */
    static String number(double v) {
        double abs = Math.abs(v);
        if (abs >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
        if (abs >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (abs >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
