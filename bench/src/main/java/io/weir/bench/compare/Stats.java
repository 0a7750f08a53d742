package io.weir.bench.compare;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Median and spread of a figure's repeated measurements. */
public record Stats(double median, double min, double max, int count) {

    /** The statistics of {@code values}, which must not be empty. */
    public static Stats of(List<Double> values) {
        if (values.isEmpty()) throw new IllegalArgumentException("no values");
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new Stats(median, sorted.get(0), sorted.get(n - 1), n);
    }

    /** {@code a / b} of two medians, or NaN when {@code b} is zero. */
    public static double ratio(Stats a, Stats b) {
        return b.median == 0 ? Double.NaN : a.median / b.median;
    }
}
