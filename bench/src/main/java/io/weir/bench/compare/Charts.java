package io.weir.bench.compare;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The comparison's charts as PNG files (JFreeChart, headless). */
final class Charts {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    private Charts() {
    }

    /** Writes the charts and returns their file names. */
    static List<String> write(Results results, List<String> systems, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> files = new ArrayList<>();

        DefaultCategoryDataset produce = new DefaultCategoryDataset();
        for (Figures.ProduceLoad load : Figures.PRODUCE) {
            String category = Figures.sizeLabel(load.recordSize()) + " acks=" + load.acks();
            add(produce, results, load.mbPerSec(), systems, category);
        }
        for (Figures.ConsumeLoad load : Figures.CONSUME) {
            add(produce, results, load.fetchMb(), systems, "consume " + Figures.sizeLabel(load.recordSize()));
        }
        files.add(save(ChartFactory.createBarChart("Throughput (median MB/s; higher is better)", null, "MB/s", produce,
                PlotOrientation.VERTICAL, true, false, false), dir, "throughput.png"));

        DefaultCategoryDataset latency = new DefaultCategoryDataset();
        add(latency, results, Figures.E2E_AVG, systems, "average");
        add(latency, results, Figures.E2E_P50, systems, "p50");
        add(latency, results, Figures.E2E_P99, systems, "p99");
        add(latency, results, Figures.E2E_P999, systems, "p99.9");
        files.add(save(ChartFactory.createLineChart("End-to-end latency, 100 B acks=all (median ms; lower is better)",
                "percentile", "ms", latency, PlotOrientation.VERTICAL, true, false, false), dir, "latency.png"));

        DefaultCategoryDataset send = new DefaultCategoryDataset();
        for (Figures.ProduceLoad load : Figures.PRODUCE) {
            add(send, results, load.p99(), systems, Figures.sizeLabel(load.recordSize()) + " acks=" + load.acks());
        }
        files.add(save(ChartFactory.createBarChart("Producer p99 send latency at full throughput (median ms; lower is better)",
                null, "ms", send, PlotOrientation.VERTICAL, true, false, false), dir, "send-latency.png"));

        XYSeriesCollection timelines = new XYSeriesCollection();
        for (Map.Entry<String, List<Results.TimelinePoint>> t : new java.util.TreeMap<>(results.timelines()).entrySet()) {
            XYSeries s = new XYSeries(t.getKey());
            for (Results.TimelinePoint p : t.getValue()) s.add(p.startMs() / 1000, p.durationMs() / 1000);
            timelines.addSeries(s);
        }
        files.add(save(ChartFactory.createScatterPlot("Failover timelines, first round: each write or topic creation",
                "started at (s after the kill -9)", "took (s)", timelines, PlotOrientation.VERTICAL, true, false, false),
                dir, "failover.png"));

        DefaultCategoryDataset times = new DefaultCategoryDataset();
        add(times, results, Figures.START, systems, "cluster start");
        add(times, results, Figures.LEADER_FAILOVER, systems, "leader failover");
        add(times, results, Figures.CONTROLLER_FAILOVER, systems, "controller failover");
        for (Figure f : results.figures()) {
            if (f.key().startsWith("many-partitions")) add(times, results, f, systems, f.key().endsWith("led") ? "big topic: led" : "big topic: created");
        }
        files.add(save(ChartFactory.createBarChart("Times (median ms; lower is better)", null, "ms", times,
                PlotOrientation.VERTICAL, true, false, false), dir, "times.png"));

        DefaultCategoryDataset efficiency = new DefaultCategoryDataset();
        add(efficiency, results, Figures.RSS, systems, "RSS MiB/node");
        add(efficiency, results, Figures.RSS_ANON, systems, "anonymous MiB/node");
        add(efficiency, results, Figures.RSS_FILE, systems, "file-backed MiB/node");
        files.add(save(ChartFactory.createBarChart("Resident memory per node (median; lower is better)", null, "MiB",
                efficiency, PlotOrientation.VERTICAL, true, false, false), dir, "memory.png"));
        return files;
    }

    private static void add(DefaultCategoryDataset data, Results results, Figure figure, List<String> systems, String category) {
        for (String system : systems) {
            Optional<Stats> s = results.stats(figure, system);
            s.ifPresent(st -> data.addValue(st.median(), system, category));
        }
    }

    private static String save(JFreeChart chart, Path dir, String name) throws IOException {
        ChartUtils.saveChartAsPNG(dir.resolve(name).toFile(), chart, WIDTH, HEIGHT);
        return name;
    }
}
