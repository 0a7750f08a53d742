package io.weir.bench.compare;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One round on one system: start the cluster, create the topics, run Kafka's perf tools against
 * it, take CPU and memory from /proc, time a big topic's creation, then the two failovers. Every figure
 * goes to {@link Results} under the system's name.
 */
final class Round {
    static final String KAFKA_TOOLS_HEAP = "-Xmx512m";
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(6);
    private static final int PARTITIONS = 6;
    private static final String WARMUP_TOPIC = "warmup";

    private final LocalCluster cluster;
    private final Sizes sizes;
    private final Jvm jvm;
    private final String kafkaClasspath;
    private final Path logs;
    private final Results results;
    private final Runnable step;
    private final int round;
    private final List<String> errors;

    Round(LocalCluster cluster, Sizes sizes, Jvm jvm, String kafkaClasspath, Path logs, Results results, Runnable step,
          int round, List<String> errors) {
        this.errors = errors;
        this.cluster = cluster;
        this.sizes = sizes;
        this.jvm = jvm;
        this.kafkaClasspath = kafkaClasspath;
        this.logs = logs;
        this.results = results;
        this.step = step;
        this.round = round;
    }

    /** The number of {@code step} calls one round makes. */
    static int steps() {
        return 1 + 1 + 1 + Figures.PRODUCE.size() + Figures.CONSUME.size() + 1 + 2 + 1;
    }

    void run() throws Exception {
        String sys = cluster.name();
        long t0 = System.nanoTime();
        try {
            cluster.prepare();
            t0 = System.nanoTime();
            cluster.start();
        } catch (Exception first) {
            // Once more from scratch: on a shared machine another program can hold a port for a moment
            // (the fixed ports lie in Linux's ephemeral range).
            System.err.println(sys + " did not start (" + first.getMessage() + "); starting it again from scratch");
            cluster.close();
            cluster.prepare();
            t0 = System.nanoTime();
            cluster.start();
        }
        results.record(Figures.START, sys, (System.nanoTime() - t0) / 1e6);
        step.run();

        String bs = cluster.bootstrapServers();
        try (Admin admin = LocalCluster.admin(bs)) {
            List<NewTopic> topics = new ArrayList<>();
            for (Figures.ProduceLoad load : Figures.PRODUCE) topics.add(perfTopic(load.topic()));
            topics.add(perfTopic("e2e"));
            topics.add(perfTopic("failover"));
            topics.add(perfTopic(WARMUP_TOPIC));
            createTopics(admin, topics, Duration.ofMinutes(3));
            awaitLeaders(admin, topics.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
            step.run();

            warmUp(bs);
            step.run();

            Map<Integer, Double> cpuBefore = cpu();
            long records = produceAndConsume(bs);
            Map<Integer, Double> cpuAfter = cpu();
            double cpuPerNode = cluster.nodeIds().stream().mapToDouble(id -> cpuAfter.get(id) - cpuBefore.get(id))
                    .sum() / cluster.nodeIds().size();
            results.record(Figures.CPU, sys, cpuPerNode / (records / 1e6));
            memory();

            PerfOutput.EndToEnd e2e = PerfOutput.endToEnd(tool("org.apache.kafka.tools.EndToEndLatency", "e2e",
                    "--bootstrap-server", bs, "--topic", "e2e", "--num-records", Integer.toString(sizes.e2eRecords()),
                    "--producer-acks", "all", "--record-size", "100"));
            results.record(Figures.E2E_AVG, sys, e2e.avgMs());
            results.record(Figures.E2E_P50, sys, e2e.p50Ms());
            results.record(Figures.E2E_P99, sys, e2e.p99Ms());
            results.record(Figures.E2E_P999, sys, e2e.p999Ms());
            step.run();

            if (sizes.manyPartitions() > 0) {
                try {
                    manyPartitions(bs, sys);
                } catch (Exception e) {
                    // The failovers still run: their figures do not depend on this one.
                    errors.add(sys + " round " + round + ", " + sizes.manyPartitions() + " partitions: " + e);
                }
            }
            step.run();

            // Last, as they leave the cluster short of a node: the controller's victim is not restarted.
            if (sizes.failovers()) {
                Failovers.Outcome leader = Failovers.partitionLeader(cluster, admin, "failover");
                results.record(Figures.LEADER_FAILOVER, sys, leader.failoverMs());
                results.timeline(sys + " partition leader", leader.timeline());
                cluster.restart(leader.victim());
                step.run();
                Failovers.Outcome controller = Failovers.controller(cluster, admin, "after-controller-failover");
                results.record(Figures.CONTROLLER_FAILOVER, sys, controller.failoverMs());
                results.timeline(sys + " controller", controller.timeline());
            } else {
                step.run();
            }
            step.run();
        }
    }

    /**
     * Writes and reads back {@link Sizes#warmupRecords} on a topic of their own, no figure taken: the
     * JIT compiles a request path only after thousands of requests, so without it the first workload
     * measures the compiler as much as the system (on a fresh 3-node Weir cluster the nodes spent 2.7×
     * the CPU of a warm one on the first 200,000 records; Kafka's JVMs warm up alike).
     */
    private void warmUp(String bs) throws Exception {
        if (sizes.warmupRecords() <= 0) return;
        String n = Integer.toString(sizes.warmupRecords());
        tool("org.apache.kafka.tools.ProducerPerformance", "warmup-produce", "--topic", WARMUP_TOPIC,
                "--num-records", n, "--record-size", "100", "--throughput", "-1",
                "--producer-props", "bootstrap.servers=" + bs, "acks=all");
        tool("org.apache.kafka.tools.ConsumerPerformance", "warmup-consume", "--bootstrap-server", bs,
                "--topic", WARMUP_TOPIC, "--num-records", n, "--timeout", "60000",
                "--group", "bench-" + cluster.name().toLowerCase() + "-" + round + "-warmup");
    }

    /**
     * The produce workloads (Kafka's ProducerPerformance, one topic each) and reading back the acks=all
     * topics (ConsumerPerformance, a new group each), their figures recorded; the topics must exist.
     *
     * @return the records produced and consumed
     */
    long produceAndConsume(String bs) throws Exception {
        String sys = cluster.name();
        long records = 0;
        for (Figures.ProduceLoad load : Figures.PRODUCE) {
            int n = load.recordSize() == 100 ? sizes.records100() : sizes.records1k();
            PerfOutput.Produce out = PerfOutput.produce(tool("org.apache.kafka.tools.ProducerPerformance",
                    "produce-" + load.key(), "--topic", load.topic(), "--num-records", Integer.toString(n),
                    "--record-size", Integer.toString(load.recordSize()), "--throughput", "-1",
                    "--producer-props", "bootstrap.servers=" + bs, "acks=" + load.acks()));
            results.record(load.throughput(), sys, out.recordsPerSec());
            results.record(load.mbPerSec(), sys, out.mbPerSec());
            results.record(load.p99(), sys, out.p99Ms());
            records += n;
            step.run();
        }
        for (Figures.ConsumeLoad load : Figures.CONSUME) {
            int n = load.recordSize() == 100 ? sizes.records100() : sizes.records1k();
            Figures.ProduceLoad source = Figures.PRODUCE.stream()
                    .filter(p -> p.recordSize() == load.recordSize() && "all".equals(p.acks())).findFirst().orElseThrow();
            PerfOutput.Consume out = PerfOutput.consume(tool("org.apache.kafka.tools.ConsumerPerformance",
                    "consume-" + Figures.sizeKey(load.recordSize()), "--bootstrap-server", bs, "--topic", source.topic(),
                    "--num-records", Integer.toString(n), "--timeout", "60000",
                    "--group", "bench-" + sys.toLowerCase() + "-" + round + "-" + source.topic()));
            results.record(load.total(), sys, out.recordsPerSec());
            results.record(load.fetchOnly(), sys, out.fetchRecordsPerSec());
            results.record(load.fetchMb(), sys, out.fetchMbPerSec());
            results.record(load.join(), sys, out.joinMs());
            records += n;
            step.run();
        }
        return records;
    }

    /**
     * Partitions per topic of the big creation. Both systems bound the records of one request (Kafka's
     * controller at 10,000 per user operation, Weir's at 10,000 per batch, so 5,000 partitions per
     * topic), so 10,000 partitions are created as topics of 2,500, each in its own CreateTopics request,
     * all sent at once.
     */
    static final int PARTITIONS_PER_BIG_TOPIC = 2_500;

    private void manyPartitions(String bs, String sys) throws Exception {
        int n = sizes.manyPartitions();
        List<NewTopic> topics = new ArrayList<>();
        for (int left = n, i = 0; left > 0; left -= PARTITIONS_PER_BIG_TOPIC, i++) {
            topics.add(new NewTopic("many-" + i, Math.min(left, PARTITIONS_PER_BIG_TOPIC), (short) 3));
        }
        // However long the answers take (not the usual 10 s request timeout).
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bs,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 600_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 600_000))) {
            long t0 = System.nanoTime();
            List<Thread> requests = new ArrayList<>();
            List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (NewTopic t : topics) {
                Thread thread = new Thread(() -> {
                    try {
                        createTopics(admin, List.of(t), Duration.ofMinutes(10));
                    } catch (Exception e) {
                        failures.add(e);
                    }
                }, "create-" + t.name());
                thread.start();
                requests.add(thread);
            }
            for (Thread thread : requests) thread.join(Duration.ofMinutes(11).toMillis());
            if (!failures.isEmpty()) throw failures.get(0);
            results.record(Figures.manyPartitionsAnswered(n), sys, (System.nanoTime() - t0) / 1e6);
            awaitLeaders(admin, topics.stream().map(NewTopic::name).toList(), Duration.ofMinutes(10));
            results.record(Figures.manyPartitionsLed(n), sys, (System.nanoTime() - t0) / 1e6);
        }
    }

    /**
     * Creates the topics, asking again for those whose creation failed (a controller busy on a loaded
     * machine answers REQUEST_TIMED_OUT though it may still create it: TopicExists then counts as done).
     */
    static void createTopics(Admin admin, List<NewTopic> topics, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<NewTopic> left = new ArrayList<>(topics);
        while (true) {
            Map<String, org.apache.kafka.common.KafkaFuture<Void>> futures = admin.createTopics(left,
                    new CreateTopicsOptions().timeoutMs((int) Math.min(timeout.toMillis(), 600_000))).values();
            List<NewTopic> failed = new ArrayList<>();
            Exception last = null;
            for (NewTopic t : left) {
                try {
                    futures.get(t.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException) continue;
                    failed.add(t);
                    last = e;
                } catch (java.util.concurrent.TimeoutException e) {
                    failed.add(t);
                    last = e;
                }
            }
            if (failed.isEmpty()) return;
            if (System.nanoTime() > deadline) throw new IllegalStateException("could not create " + failed, last);
            left = failed;
            Thread.sleep(500);
        }
    }

    static NewTopic perfTopic(String name) {
        return new NewTopic(name, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"));
    }

    static void awaitLeaders(Admin admin, List<String> topics, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(Set.copyOf(topics)).allTopicNames()
                        .get(60, TimeUnit.SECONDS);
                if (d.values().stream().allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null))) return;
            } catch (java.util.concurrent.ExecutionException e) {
                // UNKNOWN_TOPIC_OR_PARTITION until the metadata reaches the node asked: ask again
            }
            if (System.nanoTime() > deadline) throw new IllegalStateException("topics " + topics + " without leaders after " + timeout);
            Thread.sleep(500); // a DescribeTopics of thousands of partitions is not free for the nodes
        }
    }

    private List<String> tool(String mainClass, String name, String... args) throws Exception {
        return jvm.run(List.of(KAFKA_TOOLS_HEAP), kafkaClasspath, mainClass, List.of(args),
                logs.resolve(cluster.name().toLowerCase() + "-r" + round + "-" + name + ".log"), TOOL_TIMEOUT);
    }

    private Map<Integer, Double> cpu() throws Exception {
        Map<Integer, Double> cpu = new java.util.HashMap<>();
        for (int id : cluster.nodeIds()) cpu.put(id, ProcFs.cpuSeconds(cluster.pid(id)));
        return cpu;
    }

    private void memory() throws Exception {
        double rss = 0;
        double anon = 0;
        double file = 0;
        for (int id : cluster.nodeIds()) {
            ProcFs.Memory m = ProcFs.memory(cluster.pid(id));
            rss += m.rssBytes();
            anon += m.anonBytes();
            file += m.fileBytes();
        }
        double perNodeMiB = cluster.nodeIds().size() * 1024.0 * 1024.0;
        results.record(Figures.RSS, cluster.name(), rss / perNodeMiB);
        results.record(Figures.RSS_ANON, cluster.name(), anon / perNodeMiB);
        results.record(Figures.RSS_FILE, cluster.name(), file / perNodeMiB);
    }
}
