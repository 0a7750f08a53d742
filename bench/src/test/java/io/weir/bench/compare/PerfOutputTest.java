package io.weir.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The summary lines exactly as Kafka 4.3.1's tools print them (format strings in kafka-tools). */
class PerfOutputTest {
    @Test
    void producerPerformanceFinalLine() {
        PerfOutput.Produce p = PerfOutput.produce(List.of(
                "49985 records sent, 9997.0 records/sec (0.95 MB/sec), 12.3 ms avg latency, 300.0 ms max latency.",
                "100000 records sent, 45045.045045 records/sec (4.30 MB/sec), 250.12 ms avg latency, 500.00 ms max latency, "
                        + "230 ms 50th, 450 ms 95th, 480 ms 99th, 490 ms 99.9th."));
        assertThat(p.records()).isEqualTo(100_000);
        assertThat(p.recordsPerSec()).isEqualTo(45045.045045);
        assertThat(p.mbPerSec()).isEqualTo(4.30);
        assertThat(p.p50Ms()).isEqualTo(230);
        assertThat(p.p99Ms()).isEqualTo(480);
        assertThat(p.p999Ms()).isEqualTo(490);
    }

    @Test
    void consumerPerformanceSummaryAfterItsHeader() {
        PerfOutput.Consume c = PerfOutput.consume(List.of(
                "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
                        + "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
                "2026-11-30 04:00:00:000, 2026-11-30 04:00:05:000, 95.3674, 19.0735, 1000000, 200000.0000, 3120, 1880, "
                        + "50.7273, 531914.8936"));
        assertThat(c.records()).isEqualTo(1_000_000);
        assertThat(c.recordsPerSec()).isEqualTo(200_000.0);
        assertThat(c.joinMs()).isEqualTo(3120);
        assertThat(c.fetchMs()).isEqualTo(1880);
        assertThat(c.fetchMbPerSec()).isEqualTo(50.7273);
        assertThat(c.fetchRecordsPerSec()).isEqualTo(531914.8936);
    }

    @Test
    void endToEndLatencyAverageAndPercentiles() {
        PerfOutput.EndToEnd e = PerfOutput.endToEnd(List.of("0\t12.5", "1000\t1.2", "Avg latency: 1.8731 ms",
                "Percentiles: 50th = 1, 99th = 6, 99.9th = 23"));
        assertThat(e.avgMs()).isEqualTo(1.8731);
        assertThat(e.p50Ms()).isEqualTo(1);
        assertThat(e.p99Ms()).isEqualTo(6);
        assertThat(e.p999Ms()).isEqualTo(23);
    }

    @Test
    void aToolWithoutSummaryFailsWithItsOutput() {
        assertThatThrownBy(() -> PerfOutput.produce(List.of("org.apache.kafka.common.errors.TimeoutException: boom")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("TimeoutException: boom");
        assertThatThrownBy(() -> PerfOutput.consume(List.of("start.time, end.time, x", "WARNING: Exiting before")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ConsumerPerformance");
    }
}
