package io.weir.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir reassignments [--watch]}: the partitions being moved (ListPartitionReassignments),
 * each with the bytes its adding replicas hold against the leader's log (DescribeLogDirs), the
 * copy rate between samples and the time left. With {@code --watch} it follows until no
 * reassignment is left: a progress bar on a terminal, a plain summary line per interval otherwise.
 */
@Command(mixinStandardHelpOptions = true, name = "reassignments",
        description = "Partitions being moved: bytes copied and left per partition, rate and time left.")
final class ReassignmentsCommand implements Callable<Integer> {
    private static final int TIMEOUT_S = 30;

    @Mixin
    ClientOptions client;
    @Option(names = "--watch", description = "follow until no reassignment is left")
    boolean watch;
    @Option(names = "--interval", description = "time between samples (default: ${DEFAULT-VALUE})")
    Duration interval = Duration.ofSeconds(2);
    @Option(names = "--timeout", description = "how long --watch follows at most (default: ${DEFAULT-VALUE})")
    Duration timeout = Duration.ofHours(6);
    @Option(names = "--plain", description = "plain lines even on a terminal")
    boolean plain;

    @Override
    public Integer call() throws Exception {
        try (Admin admin = TopicsCommand.admin(client)) {
            ReassignmentProgress first = sample(admin);
            if (first.rows().isEmpty()) {
                System.out.println("No reassignment in progress.");
                return 0;
            }
            if (!watch) {
                // Two samples one interval apart give a rate, so even one look has a time left.
                long start = System.nanoTime();
                Thread.sleep(interval.toMillis());
                ReassignmentProgress second = sample(admin);
                double rate = second.copiedSince(first) / seconds(System.nanoTime() - start);
                second.lines().forEach(System.out::println);
                System.out.println(second.summary(rate));
                return 0;
            }
            boolean bar = !plain && System.console() != null;
            return bar ? watchWithBar(admin, first) : watchPlain(admin, first, System.out);
        }
    }

    private int watchPlain(Admin admin, ReassignmentProgress first, PrintStream out) throws Exception {
        first.lines().forEach(out::println);
        Watch w = new Watch(first);
        while (!w.current.rows().isEmpty()) {
            if (!w.next(admin)) {
                out.println("Gave up after " + timeout + ": " + w.current.summary(w.rate()));
                return 1;
            }
            out.println(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " "
                    + w.current.summary(w.rate()));
        }
        out.println("No reassignment in progress.");
        return 0;
    }

    private int watchWithBar(Admin admin, ReassignmentProgress first) throws Exception {
        first.lines().forEach(System.out::println);
        Watch w = new Watch(first);
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("moving").setInitialMax(Math.max(1, first.remainingBytes()))
                .setUnit(" MiB", 1024 * 1024).showSpeed().setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(System.out)).build()) {
            while (!w.current.rows().isEmpty()) {
                if (!w.next(admin)) {
                    bar.setExtraMessage(" gave up after " + timeout);
                    return 1;
                }
                bar.maxHint(Math.max(1, w.copied + w.current.remainingBytes()));
                bar.stepTo(w.copied);
                long left = ReassignmentProgress.secondsLeft(w.current.remainingBytes(), w.rate()).orElse(-1);
                bar.setExtraMessage(String.format(" %d partition(s), %s", w.current.rows().size(),
                        left < 0 ? "time left unknown" : "about " + ReassignmentProgress.duration(left) + " left"));
            }
            bar.maxHint(Math.max(1, w.copied));
            bar.stepTo(w.copied);
        }
        System.out.println("No reassignment in progress.");
        return 0;
    }

    /** Successive samples: bytes copied since the first and the mean rate over the watch. */
    private final class Watch {
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        ReassignmentProgress current;
        long copied;

        Watch(ReassignmentProgress first) {
            this.current = first;
        }

        boolean next(Admin admin) throws Exception {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(interval.toMillis());
            ReassignmentProgress sample = sample(admin);
            copied += sample.copiedSince(current);
            current = sample;
            return true;
        }

        double rate() {
            return copied / seconds(System.nanoTime() - start);
        }
    }

    private static double seconds(long nanos) {
        return Math.max(1e-3, nanos / 1e9);
    }

    /** One look at the cluster: the reassignments, their leaders and every replica's size. */
    static ReassignmentProgress sample(Admin admin) throws Exception {
        Map<TopicPartition, PartitionReassignment> listed = admin.listPartitionReassignments().reassignments()
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        Map<TopicPartition, ReassignmentProgress.Moving> moving = new HashMap<>();
        listed.forEach((tp, r) -> moving.put(tp, new ReassignmentProgress.Moving(r.replicas(), r.addingReplicas(),
                r.removingReplicas())));
        if (moving.isEmpty()) return new ReassignmentProgress(List.of());
        Set<String> topics = new HashSet<>();
        moving.keySet().forEach(tp -> topics.add(tp.topic()));
        Map<TopicPartition, Integer> leaders = new HashMap<>();
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS);
        described.forEach((name, d) -> {
            for (TopicPartitionInfo p : d.partitions()) {
                Node leader = p.leader();
                leaders.put(new TopicPartition(name, p.partition()), leader == null || leader.isEmpty() ? -1 : leader.id());
            }
        });
        Set<Integer> brokers = new HashSet<>();
        moving.forEach((tp, m) -> {
            brokers.addAll(m.replicas());
            brokers.add(leaders.getOrDefault(tp, -1));
        });
        brokers.remove(-1);
        Map<Integer, Map<TopicPartition, Long>> sizes = new HashMap<>();
        Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(new ArrayList<>(brokers))
                .allDescriptions().get(TIMEOUT_S, TimeUnit.SECONDS);
        dirs.forEach((broker, byDir) -> byDir.values().forEach(d -> d.replicaInfos().forEach((tp, info) ->
                sizes.computeIfAbsent(broker, b -> new HashMap<>()).merge(tp, info.size(), Math::max))));
        return ReassignmentProgress.sample(moving, leaders, sizes);
    }
}
