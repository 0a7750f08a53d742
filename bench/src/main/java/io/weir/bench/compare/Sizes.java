package io.weir.bench.compare;

/**
 * How much each workload does.
 *
 * @param records100 records per produce workload of 100-byte records (and read back)
 * @param records1k records per produce workload of 1 KiB records (and read back)
 * @param e2eRecords records sent one at a time by EndToEndLatency
 * @param manyPartitions partitions of the one big topic whose creation is timed (0: skip)
 * @param failovers whether to run the two kill -9 failovers
 * @param warmupRecords 100-byte records written (acks=all) and read back on a topic of their own
 *                      before any figure is taken, so that both systems' JVMs have compiled their
 *                      request paths: a cold JVM spends about as much CPU compiling as serving
 *                      the first workload (0: no warm-up)
 */
public record Sizes(int records100, int records1k, int e2eRecords, int manyPartitions, boolean failovers,
                    int warmupRecords) {
    /** Seconds per workload: proves the harness end to end, measures nothing worth keeping. */
    public static final Sizes QUICK = new Sizes(5_000, 1_000, 200, 60, true, 1_000);
    /**
     * The documented full run. One round of both systems took 8 minutes at load 20–30 with 2,500
     * partitions; 10,000 partitions take Weir far longer on such a loaded machine.
     */
    public static final Sizes FULL = new Sizes(200_000, 50_000, 1_000, 10_000, true, 500_000);
}
