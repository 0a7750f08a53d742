package io.weir.bench.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every measured value, by figure (in the order first recorded) and system, plus the failover
 * timelines of the first round. Single-threaded: the harness records from its main thread.
 */
public final class Results {
    /** One operation around a kill: when it started and how long it took to succeed, both in ms after the kill. */
    public record TimelinePoint(double startMs, double durationMs) {
    }

    private final Map<Figure, Map<String, List<Double>>> values = new LinkedHashMap<>();
    private final Map<String, List<TimelinePoint>> timelines = new LinkedHashMap<>();

    public void record(Figure figure, String system, double value) {
        values.computeIfAbsent(figure, f -> new LinkedHashMap<>())
                .computeIfAbsent(system, s -> new ArrayList<>()).add(value);
    }

    /** Keeps the first timeline recorded under {@code name} (the first round's). */
    public void timeline(String name, List<TimelinePoint> points) {
        timelines.putIfAbsent(name, List.copyOf(points));
    }

    public List<Figure> figures() {
        return List.copyOf(values.keySet());
    }

    public Optional<Stats> stats(Figure figure, String system) {
        List<Double> v = values.getOrDefault(figure, Map.of()).get(system);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(Stats.of(v));
    }

    /** Every value of {@code figure} for {@code system}, in the order recorded. */
    public List<Double> values(Figure figure, String system) {
        return List.copyOf(values.getOrDefault(figure, Map.of()).getOrDefault(system, List.of()));
    }

    public Map<String, List<TimelinePoint>> timelines() {
        return Map.copyOf(timelines);
    }
}
