package io.weir.bench.compare;

import java.util.List;

/** Every figure the comparison reports, in the table's order. */
final class Figures {
    private Figures() {
    }

    /** A produce workload: record size and acks. */
    record ProduceLoad(String key, int recordSize, String acks, Figure throughput, Figure mbPerSec, Figure p99) {
        ProduceLoad(int recordSize, String acks) {
            this(key(recordSize, acks), recordSize, acks,
                    new Figure("produce-" + key(recordSize, acks), "produce " + label(recordSize, acks), "records/s", true),
                    new Figure("produce-mb-" + key(recordSize, acks), "produce " + label(recordSize, acks), "MB/s", true),
                    new Figure("produce-p99-" + key(recordSize, acks), "produce " + label(recordSize, acks) + ", p99 send latency", "ms", false));
        }

        String topic() {
            return "perf-" + key;
        }

        private static String key(int recordSize, String acks) {
            return sizeKey(recordSize) + "-acks" + acks;
        }

        private static String label(int recordSize, String acks) {
            return sizeLabel(recordSize) + ", acks=" + acks + ("all".equals(acks) ? " (idempotent)" : "");
        }
    }

    /** Reading back an acks=all topic with a new consumer group. */
    record ConsumeLoad(int recordSize, Figure total, Figure fetchOnly, Figure fetchMb, Figure join) {
        ConsumeLoad(int recordSize) {
            this(recordSize,
                    new Figure("consume-" + sizeKey(recordSize), "consume " + sizeLabel(recordSize) + ", including group join", "records/s", true),
                    new Figure("consume-fetch-" + sizeKey(recordSize), "consume " + sizeLabel(recordSize) + ", fetch only", "records/s", true),
                    new Figure("consume-fetch-mb-" + sizeKey(recordSize), "consume " + sizeLabel(recordSize) + ", fetch only", "MB/s", true),
                    new Figure("consume-join-" + sizeKey(recordSize), "consume " + sizeLabel(recordSize) + ": group join", "ms", false));
        }
    }

    static final List<ProduceLoad> PRODUCE = List.of(
            new ProduceLoad(100, "1"), new ProduceLoad(100, "all"), new ProduceLoad(1024, "1"), new ProduceLoad(1024, "all"));
    static final List<ConsumeLoad> CONSUME = List.of(new ConsumeLoad(100), new ConsumeLoad(1024));

    static final Figure E2E_AVG = new Figure("e2e-avg", "end-to-end latency (100 B, acks=all), average", "ms", false);
    static final Figure E2E_P50 = new Figure("e2e-p50", "end-to-end latency, p50", "ms", false);
    static final Figure E2E_P99 = new Figure("e2e-p99", "end-to-end latency, p99", "ms", false);
    static final Figure E2E_P999 = new Figure("e2e-p999", "end-to-end latency, p99.9", "ms", false);
    static final Figure LEADER_FAILOVER = new Figure("leader-failover",
            "partition-leader failover (kill -9 of a non-controller leader → next acknowledged write)", "ms", false);
    static final Figure CONTROLLER_FAILOVER = new Figure("controller-failover",
            "controller failover (kill -9 of the active controller → next topic created)", "ms", false);
    static final Figure START = new Figure("start", "cluster start (3 nodes listed by DescribeCluster)", "ms", false);
    static final Figure CPU = new Figure("cpu", "CPU seconds per node per million records (produce + consume)", "s", false);
    static final Figure RSS = new Figure("rss", "resident memory per node after the workloads (RSS)", "MiB", false);
    static final Figure RSS_ANON = new Figure("rss-anon", "  of it anonymous (heap, direct buffers, stacks)", "MiB", false);
    static final Figure RSS_FILE = new Figure("rss-file", "  of it file-backed (mapped files, code)", "MiB", false);

    static Figure manyPartitionsAnswered(int partitions) {
        return new Figure("many-partitions-created", String.format("create %,d partitions, RF=3 (topics of %,d, one request each, at once): every CreateTopics answered", partitions, Round.PARTITIONS_PER_BIG_TOPIC), "ms", false);
    }

    static Figure manyPartitionsLed(int partitions) {
        return new Figure("many-partitions-led", String.format("same: every partition has a leader in DescribeTopics"), "ms", false);
    }

    static String sizeKey(int recordSize) {
        return recordSize >= 1024 ? (recordSize / 1024) + "k" : recordSize + "b";
    }

    static String sizeLabel(int recordSize) {
        return recordSize >= 1024 ? (recordSize / 1024) + " KiB" : recordSize + " B";
    }
}
