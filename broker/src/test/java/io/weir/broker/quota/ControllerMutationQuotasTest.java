package io.weir.broker.quota;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.quota.ClientQuotaControlManager;
import io.weir.controller.quota.ClientQuotaEntity;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ControllerMutationQuotasTest {
    private final AtomicLong clock = new AtomicLong(1_000);

    private ControllerMutationQuotas quotas(String clientId, double rate) {
        ClientQuotaControlManager manager = new ClientQuotaControlManager();
        MetadataImage image = MetadataImage.EMPTY.apply(0, manager.alterClientQuotas(MetadataImage.EMPTY,
                List.of(new ClientQuotaControlManager.Alteration(ClientQuotaEntity.of(null, false, clientId, true),
                        Map.of(ClientQuotaControlManager.CONTROLLER_MUTATION_RATE, rate))), false).records());
        return new ControllerMutationQuotas(() -> image, clock::get);
    }

    @Test
    void aStrictQuotaAdmitsTheTopicThatGoesIntoDebtThenRefusesUntilPaidOff() {
        ControllerMutationQuotas quotas = quotas("admin", 1.0);
        MutationQuota first = quotas.forRequest("ANONYMOUS", "admin", true);
        assertThat(first.tryRecord(20)).as("11 s of credit at 1/s, spent in one go").isTrue();
        assertThat(first.throttleTimeMs()).as("a strict quota throttles only what it refuses, as Kafka").isZero();

        MutationQuota second = quotas.forRequest("ANONYMOUS", "admin", true);
        assertThat(second.tryRecord(1)).isFalse();
        assertThat(second.throttleTimeMs()).isEqualTo(9_000);
        clock.addAndGet(4_000);
        assertThat(second.throttleTimeMs()).as("the throttle shrinks while the answer waits").isEqualTo(5_000);

        clock.addAndGet(5_000);
        assertThat(quotas.forRequest("ANONYMOUS", "admin", true).tryRecord(1)).isTrue();
        assertThat(quotas.forRequest("ANONYMOUS", "other", true).tryRecord(1_000))
                .as("a client without a quota is never refused").isTrue();
    }

    @Test
    void aPermissiveQuotaAdmitsEverythingAndThrottles() {
        ControllerMutationQuotas quotas = quotas("old-admin", 2.0);
        MutationQuota quota = quotas.forRequest("ANONYMOUS", "old-admin", false);
        assertThat(quota.tryRecord(22)).isTrue();
        assertThat(quota.throttleTimeMs()).isZero();
        assertThat(quota.tryRecord(4)).isTrue();
        assertThat(quota.throttleTimeMs()).as("4 partitions of debt at 2/s").isEqualTo(2_000);
    }

    /** However a strict client spreads its topics, it mutates at most the burst plus the rate times the span plus one topic. */
    @Property(tries = 200)
    void aStrictClientIsHeldToItsRate(@ForAll @IntRange(min = 1, max = 50) int partitions,
                                      @ForAll @IntRange(min = 1, max = 2_000) int gapMs,
                                      @ForAll @IntRange(min = 1, max = 20) int rate) {
        ControllerMutationQuotas quotas = quotas("c", rate);
        long start = clock.get();
        long admitted = 0;
        while (clock.get() - start < 60_000) {
            if (quotas.forRequest("u", "c", true).tryRecord(partitions)) admitted += partitions;
            clock.addAndGet(gapMs);
        }
        double span = (clock.get() - start) / 1000.0;
        assertThat((double) admitted).isLessThanOrEqualTo(rate * (span + ControllerMutationQuotas.BURST_SECONDS) + partitions);
    }
}
