package io.weir.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * One sample of the reassignments in progress, for {@code weir reassignments}: per moving
 * partition, the bytes its adding replicas hold against the leader's log (DescribeLogDirs sizes),
 * and between two samples the bytes copied. Pure, so a test checks the arithmetic and the lines.
 */
record ReassignmentProgress(List<Row> rows) {

    /**
     * One moving partition. {@code totalBytes} is the leader's log size once per adding replica,
     * {@code copiedBytes} what the adding replicas hold of it (each at most the leader's size).
     */
    record Row(TopicPartition partition, int leader, List<Integer> replicas, List<Integer> adding,
               List<Integer> removing, long totalBytes, long copiedBytes) {
        long remainingBytes() {
            return totalBytes - copiedBytes;
        }
    }

    /** A reassignment as ListPartitionReassignments reports it. */
    record Moving(List<Integer> replicas, List<Integer> adding, List<Integer> removing) {
    }

    /**
     * @param leaders each partition's leader (-1 if none)
     * @param sizes   per broker, the size of each partition replica it holds (DescribeLogDirs)
     */
    static ReassignmentProgress sample(Map<TopicPartition, Moving> moving, Map<TopicPartition, Integer> leaders,
                                       Map<Integer, Map<TopicPartition, Long>> sizes) {
        List<Row> rows = new ArrayList<>();
        moving.forEach((tp, m) -> {
            int leader = leaders.getOrDefault(tp, -1);
            long leaderBytes = sizes.getOrDefault(leader, Map.of()).getOrDefault(tp, 0L);
            long total = 0;
            long copied = 0;
            for (int r : m.adding()) {
                total += leaderBytes;
                copied += Math.min(leaderBytes, sizes.getOrDefault(r, Map.of()).getOrDefault(tp, 0L));
            }
            rows.add(new Row(tp, leader, m.replicas(), m.adding(), m.removing(), total, copied));
        });
        rows.sort(Comparator.comparing((Row r) -> r.partition().topic()).thenComparingInt(r -> r.partition().partition()));
        return new ReassignmentProgress(List.copyOf(rows));
    }

    long remainingBytes() {
        return rows.stream().mapToLong(Row::remainingBytes).sum();
    }

    long copiedBytes() {
        return rows.stream().mapToLong(Row::copiedBytes).sum();
    }

    /**
     * Bytes copied between {@code earlier} and this sample: growth of the partitions in both, plus
     * what was left of those that finished meanwhile (a move that completed copied its rest).
     */
    long copiedSince(ReassignmentProgress earlier) {
        long copied = 0;
        for (Row before : earlier.rows) {
            Row now = find(before.partition());
            if (now == null) {
                copied += before.remainingBytes();
            } else {
                copied += Math.max(0, now.copiedBytes() - before.copiedBytes());
            }
        }
        return copied;
    }

    private Row find(TopicPartition tp) {
        for (Row r : rows) {
            if (r.partition().equals(tp)) return r;
        }
        return null;
    }

    /** Seconds left at {@code bytesPerSecond}; empty while nothing was seen copied. */
    static OptionalLong secondsLeft(long remainingBytes, double bytesPerSecond) {
        if (remainingBytes <= 0) return OptionalLong.of(0);
        if (bytesPerSecond <= 0) return OptionalLong.empty();
        return OptionalLong.of((long) Math.ceil(remainingBytes / bytesPerSecond));
    }

    /** The summary line: partitions moving, bytes copied and left, the rate and the time left. */
    String summary(double bytesPerSecond) {
        OptionalLong eta = secondsLeft(remainingBytes(), bytesPerSecond);
        return String.format("%d partition(s) moving: %s copied, %s left, %s/s, %s", rows.size(), bytes(copiedBytes()),
                bytes(remainingBytes()), bytes((long) bytesPerSecond),
                eta.isPresent() ? "about " + duration(eta.getAsLong()) + " left" : "time left unknown");
    }

    /** The table: one line per moving partition. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format("%-30s %-7s %-14s %-10s %-10s %-12s %-12s %s", "PARTITION", "LEADER", "REPLICAS", "ADDING",
                "REMOVING", "COPIED", "REMAINING", "DONE"));
        for (Row r : rows) {
            long pct = r.totalBytes() == 0 ? 100 : r.copiedBytes() * 100 / r.totalBytes();
            out.add(String.format("%-30s %-7s %-14s %-10s %-10s %-12s %-12s %d%%", r.partition(),
                    r.leader() < 0 ? "none" : Integer.toString(r.leader()), list(r.replicas()), list(r.adding()),
                    list(r.removing()), bytes(r.copiedBytes()), bytes(r.remainingBytes()), pct));
        }
        return out;
    }

    private static String list(List<Integer> ids) {
        if (ids.isEmpty()) return "-";
        StringBuilder b = new StringBuilder();
        for (int id : ids) b.append(b.length() == 0 ? "" : ",").append(id);
        return b.toString();
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1024 * 1024) return String.format("%.1f KiB", n / 1024.0);
        if (n < 1024L * 1024 * 1024) return String.format("%.1f MiB", n / (1024.0 * 1024));
        return String.format("%.2f GiB", n / (1024.0 * 1024 * 1024));
    }

    static String duration(long seconds) {
        if (seconds < 60) return seconds + " s";
        if (seconds < 3600) return String.format("%d min %02d s", seconds / 60, seconds % 60);
        return String.format("%d h %02d min", seconds / 3600, (seconds % 3600) / 60);
    }
}
