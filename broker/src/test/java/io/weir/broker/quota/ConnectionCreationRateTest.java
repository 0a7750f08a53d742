package io.weir.broker.quota;

import io.weir.broker.network.ConnectionRateLimit;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionCreationRateTest {
    @Test
    void connectionsOverTheRateFromAnyAddressPauseAcceptingAndAllCount() throws Exception {
        AtomicLong clock = new AtomicLong(1_000);
        // 2 a second, 2 samples of 1 s: 2 connections of credit, pauses of at most 1 s.
        ConnectionRateLimit rate = ConnectionCreationRate.of(2, 2, 1, clock::get);
        assertThat(rate.throttleMs(InetAddress.getByName("10.0.0.1"))).isZero();
        assertThat(rate.throttleMs(InetAddress.getByName("10.0.0.2"))).isZero();
        assertThat(rate.throttleMs(InetAddress.getByName("10.0.0.3"))).isEqualTo(500);
        assertThat(rate.throttleMs(InetAddress.getByName("10.0.0.1"))).as("served, so counted").isEqualTo(1_000);
        clock.addAndGet(1_000);
        assertThat(rate.throttleMs(InetAddress.getByName("10.0.0.1"))).isEqualTo(500);
        assertThat(ConnectionCreationRate.of(Integer.MAX_VALUE, 2, 1, clock::get)).isSameAs(ConnectionRateLimit.NONE);
    }
}
