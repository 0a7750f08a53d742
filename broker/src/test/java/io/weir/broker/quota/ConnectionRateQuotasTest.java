package io.weir.broker.quota;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.quota.ClientQuotaControlManager;
import io.weir.controller.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionRateQuotasTest {
    private final AtomicLong clock = new AtomicLong(1_000);

    private ConnectionRateQuotas quotas(Map<Optional<String>, Double> rates) {
        List<ClientQuotaControlManager.Alteration> alterations = rates.entrySet().stream()
                .map(e -> new ClientQuotaControlManager.Alteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.IP, e.getKey())),
                        Map.of(ClientQuotaControlManager.CONNECTION_CREATION_RATE, e.getValue())))
                .toList();
        MetadataImage image = MetadataImage.EMPTY.apply(0,
                new ClientQuotaControlManager().alterClientQuotas(MetadataImage.EMPTY, alterations, false).records());
        // 2 samples of 1 s: 1 s of credit, throttles of at most 1 s.
        return new ConnectionRateQuotas(() -> image, 2, 1, clock::get);
    }

    @Test
    void anAddressOverItsRateIsThrottledAndTheRefusedConnectionIsNotCounted() throws Exception {
        ConnectionRateQuotas quotas = quotas(Map.of(Optional.of("10.0.0.1"), 2.0));
        InetAddress limited = InetAddress.getByName("10.0.0.1");
        assertThat(quotas.throttleMs(limited)).isZero();
        assertThat(quotas.throttleMs(limited)).isZero();
        assertThat(quotas.throttleMs(limited)).as("a third within the second, at 2/s").isEqualTo(500);
        assertThat(quotas.throttleMs(limited)).as("the refused one was not counted").isEqualTo(500);
        clock.addAndGet(500);
        assertThat(quotas.throttleMs(limited)).isZero();
        assertThat(quotas.throttleMs(InetAddress.getByName("10.0.0.2"))).as("no quota for that address").isZero();
    }

    @Test
    void theDefaultIpRateAppliesToEachAddressWithoutItsOwn() throws Exception {
        ConnectionRateQuotas quotas = quotas(Map.of(Optional.empty(), 1.0, Optional.of("10.0.0.9"), 100.0));
        for (String address : List.of("10.0.0.1", "10.0.0.2")) {
            assertThat(quotas.throttleMs(InetAddress.getByName(address))).isZero();
            assertThat(quotas.throttleMs(InetAddress.getByName(address))).as(address).isEqualTo(1_000);
        }
        for (int i = 0; i < 50; i++) assertThat(quotas.throttleMs(InetAddress.getByName("10.0.0.9"))).isZero();
    }
}
