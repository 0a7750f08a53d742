package io.weir.bench.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code weir bench compare --quick} end to end: real Apache Kafka 4.3.1 nodes and real Weir nodes,
 * Kafka's own perf tools, every figure measured on both systems, the table and charts written.
 * Measures nothing worth keeping (tiny workloads); it proves the harness works.
 */
class CompareQuickTest {
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void quickRunMeasuresEveryFigureOnBothSystemsAndWritesTheTableAndCharts() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Path out = target.resolve("bench-compare-quick");
        Path dir = Files.createTempDirectory(target, "bench-compare-data");

        int exit = new CommandLine(new CompareCommand()).execute("--quick", "--root", target.getParent().getParent().toString(),
                "--base-port", Integer.toString(freeLayout()), "--dir", dir.toString(), "--out", out.toString());

        String md = Files.readString(out.resolve("compare.md"));
        assertThat(md).doesNotContain("Failures");
        assertThat(exit).isZero();
        List<String> rows = md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| figure")).toList();
        assertThat(rows).hasSizeGreaterThan(25)
                .allSatisfy(row -> assertThat(row).as("both systems measured: " + row).doesNotContain("| – |"));
        assertThat(md).contains("partition-leader failover", "controller failover", "group join", "p99.9",
                "CPU seconds per node", "resident memory");
        for (String chart : List.of("throughput.png", "latency.png", "send-latency.png", "failover.png", "times.png", "memory.png")) {
            assertThat(out.resolve(chart)).isNotEmptyFile();
            assertThat(md).contains("(" + chart + ")");
        }
        try (var nodes = Files.walk(dir)) {
            assertThat(nodes.filter(p -> p.getFileName().toString().equals("pid"))).as("clusters stopped and deleted").isEmpty();
        }
    }

    /**
     * A base port P whose layout (P..P+2, P+100.., P+200.., P+500.., P+600..) is free right now: the
     * harness needs DESIGN.md's fixed offsets, so port 0 cannot be used.
     */
    private static int freeLayout() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            List<ServerSocket> held = new ArrayList<>();
            try {
                for (int offset : new int[] {0, 100, 200, 500, 600}) {
                    for (int i = 0; i < 3; i++) held.add(new ServerSocket(base + offset + i, 50, InetAddress.getLoopbackAddress()));
                }
                return base;
            } catch (IOException taken) {
                // try another base
            } finally {
                for (ServerSocket s : held) s.close();
            }
        }
        throw new IOException("no free port layout found");
    }
}
