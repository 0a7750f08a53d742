package io.weir.bench.compare;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code weir bench memory}: the produce and consume workloads of {@code bench compare} on one system
 * (or both, one after the other), then each node's resident memory: /proc/PID/status and, from
 * /proc/PID/smaps, what it is made of (anonymous memory, the data directory's mapped files by
 * extension, other mapped files), plus the Java heap's committed and used bytes ({@code jcmd
 * GC.heap_info}). Each node's smaps is copied to {@code DIR/tool-logs/}. Much cheaper than the full
 * comparison, for working on memory.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Run bench compare's produce and consume workloads on Weir and/or Apache Kafka (3 local nodes) "
                + "and print what each node's resident memory is made of.")
public final class MemoryCommand implements java.util.concurrent.Callable<Integer> {
    private static final double MIB = 1024.0 * 1024.0;

    @Option(names = "--system", split = ",", defaultValue = "weir",
            description = "weir, kafka or weir,kafka (default: ${DEFAULT-VALUE})")
    List<String> systems;

    @Option(names = "--records-100", defaultValue = "200000", description = "records per 100-byte workload (default: ${DEFAULT-VALUE})")
    int records100;

    @Option(names = "--records-1k", defaultValue = "50000", description = "records per 1 KiB workload (default: ${DEFAULT-VALUE})")
    int records1k;

    @Option(names = "--base-port", defaultValue = "28000",
            description = "Weir listens on P.., P+100.., P+200..; Kafka on P+500.., P+600.. (default: ${DEFAULT-VALUE})")
    int basePort;

    @Option(names = "--dir", defaultValue = "/tmp/weir-bench-memory", description = "data and tool logs (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--root", description = "the Weir source tree (default: found above the working directory)")
    Path root;

    @Option(names = "--weir-classpath", description = "classpath of Weir's cli and node (default: this JVM's)")
    String weirClasspath;

    @Override
    public Integer call() throws Exception {
        Path rootDir = root != null ? root : CompareCommand.findRoot();
        String kafkaCp = KafkaClasspath.resolve(rootDir);
        String weirCp = weirClasspath != null ? weirClasspath : System.getProperty("java.class.path");
        Sizes sizes = new Sizes(records100, records1k, 0, 0, false, 0);
        Path logs = dir.resolve("tool-logs");
        Files.createDirectories(logs);
        StringBuilder report = new StringBuilder();
        try (Children children = new Children()) {
            Jvm jvm = new Jvm(children);
            for (String system : systems) {
                boolean weir = system.trim().equalsIgnoreCase("weir");
                Path data = dir.resolve(weir ? "weir" : "kafka");
                LocalCluster cluster = weir
                        ? new WeirCluster(jvm, children, weirCp, data, basePort)
                        : new KafkaCluster(jvm, children, kafkaCp, data, basePort + 500, List.of("-Xmx1g"));
                try {
                    cluster.prepare();
                    cluster.start();
                    String bs = cluster.bootstrapServers();
                    try (Admin admin = LocalCluster.admin(bs)) {
                        List<NewTopic> topics = new ArrayList<>();
                        for (Figures.ProduceLoad load : Figures.PRODUCE) topics.add(Round.perfTopic(load.topic()));
                        Round.createTopics(admin, topics, Duration.ofMinutes(3));
                        Round.awaitLeaders(admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
                    }
                    new Round(cluster, sizes, jvm, kafkaCp, logs, new Results(), () -> { }, 1, new ArrayList<>())
                            .produceAndConsume(bs);
                    Thread.sleep(2_000); // let the last fetch sessions and checkpoints settle
                    report.append(table(cluster, data, jvm, logs));
                } finally {
                    cluster.close();
                }
            }
        }
        System.out.println(String.format(Locale.ROOT, "%d records of 100 B and %d of 1 KiB per produce workload, "
                + "4 topics of 6 partitions, RF=3; load average %s%n", records100, records1k, loadAverage()));
        System.out.println(report);
        return 0;
    }

    private static String table(LocalCluster cluster, Path data, Jvm jvm, Path logs) throws Exception {
        List<Integer> ids = cluster.nodeIds();
        Map<String, List<String>> rows = new java.util.LinkedHashMap<>();
        for (int id : ids) {
            long pid = cluster.pid(id);
            ProcFs.Memory m = ProcFs.memory(pid);
            add(rows, "VmRSS", m.rssBytes());
            add(rows, "RssAnon (heap, metaspace, stacks, direct, malloc)", m.anonBytes());
            add(rows, "RssFile + RssShmem (mapped files)", m.fileBytes());
            Map<String, Long> kinds = new TreeMap<>(Smaps.residentByKind(pid, data));
            for (Map.Entry<String, Long> k : kinds.entrySet()) add(rows, "smaps: " + k.getKey(), k.getValue());
            // Kept for a closer look (which files, which mappings): the nodes are gone after this.
            Files.copy(Path.of("/proc", Long.toString(pid), "smaps"),
                    logs.resolve("smaps-" + cluster.name().toLowerCase(Locale.ROOT) + "-node-" + id + ".txt"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            long[] heap = heapInfo(jvm, pid, logs);
            add(rows, "Java heap committed (jcmd GC.heap_info)", heap[0]);
            add(rows, "Java heap used", heap[1]);
        }
        StringBuilder s = new StringBuilder("### " + cluster.name() + ", MiB per node\n\n| | ");
        for (int id : ids) s.append("node ").append(id).append(" | ");
        s.append("\n|---|").append("---|".repeat(ids.size())).append('\n');
        for (Map.Entry<String, List<String>> r : rows.entrySet()) {
            s.append("| ").append(r.getKey()).append(" | ").append(String.join(" | ", r.getValue())).append(" |\n");
        }
        return s.append('\n').toString();
    }

    private static void add(Map<String, List<String>> rows, String row, long bytes) {
        rows.computeIfAbsent(row, r -> new ArrayList<>())
                .add(bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", bytes / MIB));
    }

    /** Committed and used heap bytes from {@code jcmd PID GC.heap_info}, or -1 each if it cannot tell. */
    private static long[] heapInfo(Jvm jvm, long pid, Path logs) {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info")
                    .redirectErrorStream(true).redirectOutput(logs.resolve("jcmd-" + pid + ".log").toFile()).start();
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new long[] {-1, -1};
            }
            return HeapInfo.parse(Files.readAllLines(logs.resolve("jcmd-" + pid + ".log")));
        } catch (Exception e) {
            return new long[] {-1, -1};
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** The heap line of {@code GC.heap_info}: "garbage-first heap   total 1048576K, used 123456K [...]". */
    static final class HeapInfo {
        private HeapInfo() {
        }

        static long[] parse(List<String> lines) {
            java.util.regex.Pattern p = java.util.regex.Pattern.compile("heap\\s+total\\s+(?:reserved\\s+\\d+K,\\s+committed\\s+)?(\\d+)K,\\s+used\\s+(\\d+)K");
            for (String line : lines) {
                java.util.regex.Matcher m = p.matcher(line);
                if (m.find()) return new long[] {Long.parseLong(m.group(1)) * 1024, Long.parseLong(m.group(2)) * 1024};
            }
            return new long[] {-1, -1};
        }
    }
}
