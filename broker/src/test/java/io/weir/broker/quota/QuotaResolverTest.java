package io.weir.broker.quota;

import io.weir.controller.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class QuotaResolverTest {

    @Test
    void kafkasPrecedenceOfQuotaEntities() {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = Map.of(
                ClientQuotaEntity.of("alice", true, "app", true), Map.of("producer_byte_rate", 1.0),
                ClientQuotaEntity.of("alice", true, null, false), Map.of("producer_byte_rate", 2.0),
                ClientQuotaEntity.of(null, true, null, true), Map.of("producer_byte_rate", 3.0),
                ClientQuotaEntity.of(null, false, "app", true), Map.of("producer_byte_rate", 4.0),
                ClientQuotaEntity.of(null, false, null, true), Map.of("producer_byte_rate", 5.0, "consumer_byte_rate", 6.0));

        assertThat(QuotaResolver.resolve(quotas, "producer_byte_rate", "alice", "app"))
                .contains(new QuotaResolver.Applied(1.0, "alice", "app"));
        assertThat(QuotaResolver.resolve(quotas, "producer_byte_rate", "alice", "other"))
                .as("alice's own quota, shared by all her clients").contains(new QuotaResolver.Applied(2.0, "alice", ""));
        assertThat(QuotaResolver.resolve(quotas, "producer_byte_rate", "bob", "app"))
                .as("default user, default client: each client of each user on its own")
                .contains(new QuotaResolver.Applied(3.0, "bob", "app"));
        assertThat(QuotaResolver.resolve(quotas, "consumer_byte_rate", "bob", "app"))
                .as("the default client id's consumer quota").contains(new QuotaResolver.Applied(6.0, "", "app"));
        assertThat(QuotaResolver.resolve(Map.of(ClientQuotaEntity.of(null, false, "app", true),
                Map.of("producer_byte_rate", 4.0)), "producer_byte_rate", "bob", "app"))
                .contains(new QuotaResolver.Applied(4.0, "", "app"));
        assertThat(QuotaResolver.resolve(quotas, "request_percentage", "bob", "app")).isEmpty();
    }
}
