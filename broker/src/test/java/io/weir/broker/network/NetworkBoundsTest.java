package io.weir.broker.network;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure decisions behind the listener's bounds, step by step. */
class NetworkBoundsTest {

    @Test
    void poolPausesOnceWhenFullAndResumesOnceAtTheLowWaterMark() {
        RequestMemoryPool pool = new RequestMemoryPool(800, 100);
        assertThat(pool.reserve(700)).isFalse();
        assertThat(pool.exhausted(false)).isFalse();
        assertThat(pool.reserve(100)).as("crossing the bound pauses").isTrue();
        assertThat(pool.reserve(50)).as("only once").isFalse();
        assertThat(pool.exhausted(false)).isTrue();
        assertThat(pool.exhausted(true)).as("brokers keep their head-room").isFalse();
        assertThat(pool.reserve(50)).isFalse();
        assertThat(pool.exhausted(true)).isTrue();

        assertThat(pool.release(100)).as("still above the low-water mark").isFalse();
        assertThat(pool.exhausted(false)).isTrue();
        assertThat(pool.release(200)).as("at 600 <= 700: resume").isTrue();
        assertThat(pool.exhausted(false)).isFalse();
        assertThat(pool.release(600)).isFalse();
        assertThat(pool.used()).isZero();
    }

    @Test
    void connectionsPastALimitAreOnProbationForBrokersThenRefused() throws Exception {
        InetAddress a = InetAddress.getByName("127.0.0.1");
        InetAddress b = InetAddress.getByName("127.0.0.2");
        ConnectionQuotas quotas = new ConnectionQuotas(1_000, 2);
        assertThat(quotas.admit(a)).isEqualTo(ConnectionQuotas.Admission.ACCEPTED);
        assertThat(quotas.admit(a)).isEqualTo(ConnectionQuotas.Admission.ACCEPTED);
        for (int i = 0; i < ConnectionQuotas.INTER_BROKER_HEADROOM; i++) {
            assertThat(quotas.admit(a)).isEqualTo(ConnectionQuotas.Admission.PROBATION);
        }
        assertThat(quotas.admit(a)).isEqualTo(ConnectionQuotas.Admission.REFUSED_PER_IP);
        assertThat(quotas.admit(b)).as("another address still gets in").isEqualTo(ConnectionQuotas.Admission.ACCEPTED);
        assertThat(quotas.total()).isEqualTo(2 + ConnectionQuotas.INTER_BROKER_HEADROOM + 1);

        quotas.release(b);
        for (int i = 0; i < ConnectionQuotas.INTER_BROKER_HEADROOM + 1; i++) quotas.release(a);
        assertThat(quotas.from(a)).isEqualTo(1);
        assertThat(quotas.admit(a)).isEqualTo(ConnectionQuotas.Admission.ACCEPTED);

        ConnectionQuotas total = new ConnectionQuotas(1, Integer.MAX_VALUE);
        assertThat(total.admit(a)).isEqualTo(ConnectionQuotas.Admission.ACCEPTED);
        assertThat(total.admit(b)).isEqualTo(ConnectionQuotas.Admission.PROBATION);
    }

    @Test
    void sheddingClosesTheOldestPartialRequestsUntilTheTargetIsReached() {
        List<Shedding.Partial<String>> partials = List.of(
                new Shedding.Partial<>("young", 300, 500),
                new Shedding.Partial<>("oldest", 100, 400),
                new Shedding.Partial<>("old", 200, 400));
        assertThat(Shedding.choose(partials, 1_000, 500)).containsExactly("oldest", "old");
        assertThat(Shedding.choose(partials, 1_000, 1_000)).isEmpty();
        assertThat(Shedding.choose(partials, 5_000, 0)).containsExactly("oldest", "old", "young");
    }

    @Test
    void repeatedWarningsAreLoggedOncePerInterval() {
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(NetworkBoundsTest.class), 1_000, now::get);
        assertThat(log.warn("refused", "refused {}", 1)).isTrue();
        assertThat(log.warn("refused", "refused {}", 2)).isFalse();
        assertThat(log.warn("other", "other")).as("kinds are limited separately").isTrue();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
        assertThat(log.warn("refused", "refused {}", 3)).isFalse();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(log.warn("refused", "refused {}", 4)).isTrue();
    }

    @Test
    void invalidBoundsNameTheirKafkaKey() {
        NetworkConfig defaults = NetworkConfig.of("127.0.0.1", 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> defaults.withQueuedMaxRequestBytes(1024, 1024))
                .hasMessageContaining("queued.max.request.bytes").hasMessageContaining("socket.request.max.bytes");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> defaults.withMaxConnections(0, 1))
                .hasMessageContaining("max.connections");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> defaults.withListenBacklog(-1))
                .hasMessageContaining("socket.listen.backlog.size");
    }
}
