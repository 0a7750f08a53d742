package io.weir.controller.quota;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerResult;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.quota.ClientQuotaControlManager.Alteration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ClientQuotaControlManagerTest {
    private final ClientQuotaControlManager manager = new ClientQuotaControlManager();

    private static ClientQuotaEntity client(String id) {
        return ClientQuotaEntity.of(null, false, id, true);
    }

    private static Map<String, Double> set(String key, Double value) {
        Map<String, Double> m = new HashMap<>();
        m.put(key, value);
        return m;
    }

    private MetadataImage apply(MetadataImage image, List<Alteration> alterations) {
        ControllerResult<Map<ClientQuotaEntity, ApiStatus>> result = manager.alterClientQuotas(image, alterations, false);
        return image.apply(image.offset() + 1, result.records());
    }

    @Test
    void quotasAreSetChangedAndRemovedPerEntityAndSurviveASnapshot() {
        ClientQuotaEntity slow = client("slow");
        ClientQuotaEntity aliceDefaultClients = ClientQuotaEntity.of("alice", true, null, true);
        MetadataImage image = apply(MetadataImage.EMPTY, List.of(
                new Alteration(slow, set("producer_byte_rate", 1024.0)),
                new Alteration(aliceDefaultClients, Map.of("consumer_byte_rate", 2048.0, "producer_byte_rate", 10.0))));
        assertThat(ClientQuotaControlManager.quotas(image)).containsOnly(
                Map.entry(slow, Map.of("producer_byte_rate", 1024.0)),
                Map.entry(aliceDefaultClients, Map.of("consumer_byte_rate", 2048.0, "producer_byte_rate", 10.0)));

        image = apply(image, List.of(new Alteration(slow, set("producer_byte_rate", null)),
                new Alteration(aliceDefaultClients, set("consumer_byte_rate", 4096.0))));
        assertThat(ClientQuotaControlManager.quotas(image)).containsOnly(
                Map.entry(aliceDefaultClients, Map.of("consumer_byte_rate", 4096.0, "producer_byte_rate", 10.0)));
        assertThat(ClientQuotaControlManager.quotas(MetadataImage.fromRecords(image.offset(), image.toRecords())))
                .isEqualTo(ClientQuotaControlManager.quotas(image));
    }

    @Test
    void anInvalidChangeLeavesItsEntityUnchangedAndOthersApply() {
        ClientQuotaEntity good = client("good");
        ClientQuotaEntity bad = client("bad");
        ControllerResult<Map<ClientQuotaEntity, ApiStatus>> result = manager.alterClientQuotas(MetadataImage.EMPTY,
                List.of(new Alteration(bad, Map.of("producer_byte_rate", 100.0, "consumer_byte_rate", 1.5)),
                        new Alteration(good, Map.of("producer_byte_rate", 100.0))), false);
        assertThat(result.response().get(bad).error()).isEqualTo(ApiError.INVALID_REQUEST);
        assertThat(result.response().get(good)).isEqualTo(ApiStatus.OK);
        MetadataImage image = MetadataImage.EMPTY.apply(0, result.records());
        assertThat(ClientQuotaControlManager.quotas(image)).containsOnlyKeys(good);
    }

    @Test
    void kafkasChecksOnEntitiesAndValues() {
        assertThat(error(new ClientQuotaEntity(Map.of()), "producer_byte_rate", 1.0)).contains("empty");
        assertThat(error(client(""), "producer_byte_rate", 1.0)).contains("Empty client-id");
        assertThat(error(new ClientQuotaEntity(Map.of("group", Optional.of("g"))), "producer_byte_rate", 1.0))
                .contains("Unhandled client quota entity type");
        ClientQuotaEntity ip = new ClientQuotaEntity(Map.of("ip", Optional.of("10.0.0.1")));
        assertThat(error(ip, "connection_creation_rate", 2.5)).contains("fractional");
        assertThat(error(ip, "producer_byte_rate", 5.0)).contains("Invalid configuration key");
        assertThat(error(client("c"), "connection_creation_rate", 5.0)).contains("Invalid configuration key");
        assertThat(error(new ClientQuotaEntity(Map.of("ip", Optional.of("10.0.0.1"), "user", Optional.of("u"))),
                "connection_creation_rate", 5.0)).contains("should not be combined");
        assertThat(error(new ClientQuotaEntity(Map.of("ip", Optional.of("no-such-host"))), "connection_creation_rate", 5.0))
                .contains("not a valid IP");
        assertThat(error(new ClientQuotaEntity(Map.of("ip", Optional.of("300.1.1.1"))), "connection_creation_rate", 5.0))
                .contains("not a valid IP");
        assertThat(error(client("c"), "no_such_quota", 1.0)).contains("Invalid configuration key");
        assertThat(error(client("c"), "producer_byte_rate", 0.0)).contains("greater than 0");
        assertThat(error(client("c"), "producer_byte_rate", 1.5)).contains("fractional");
        assertThat(error(client("c"), "controller_mutation_rate", -1.0)).contains("greater than 0");
        ControllerResult<Map<ClientQuotaEntity, ApiStatus>> validateOnly = manager.alterClientQuotas(MetadataImage.EMPTY,
                List.of(new Alteration(client("c"), Map.of("producer_byte_rate", 1.0))), true);
        assertThat(validateOnly.response().get(client("c"))).isEqualTo(ApiStatus.OK);
        assertThat(validateOnly.records()).isEmpty();
    }

    @Test
    void mutationRateAndRequestPercentageMayBeFractionalAsKafkasDoubles() {
        ControllerResult<Map<ClientQuotaEntity, ApiStatus>> result = manager.alterClientQuotas(MetadataImage.EMPTY,
                List.of(new Alteration(client("c"), Map.of("controller_mutation_rate", 0.5, "request_percentage", 12.5))),
                false);
        assertThat(result.response().get(client("c"))).isEqualTo(ApiStatus.OK);
        assertThat(ClientQuotaControlManager.quotas(MetadataImage.EMPTY.apply(0, result.records())))
                .containsEntry(client("c"), Map.of("controller_mutation_rate", 0.5, "request_percentage", 12.5));
    }

    @Test
    void ipEntitiesTakeAConnectionCreationRate() {
        ClientQuotaEntity address = new ClientQuotaEntity(Map.of("ip", Optional.of("::1")));
        ClientQuotaEntity anyAddress = new ClientQuotaEntity(Map.of("ip", Optional.empty()));
        ControllerResult<Map<ClientQuotaEntity, ApiStatus>> result = manager.alterClientQuotas(MetadataImage.EMPTY,
                List.of(new Alteration(address, Map.of("connection_creation_rate", 5.0)),
                        new Alteration(anyAddress, Map.of("connection_creation_rate", 100.0))), false);
        assertThat(result.response().values()).containsOnly(ApiStatus.OK);
        assertThat(ClientQuotaControlManager.quotas(MetadataImage.EMPTY.apply(0, result.records())))
                .containsEntry(address, Map.of("connection_creation_rate", 5.0))
                .containsEntry(anyAddress, Map.of("connection_creation_rate", 100.0));
    }

    private String error(ClientQuotaEntity entity, String key, double value) {
        ApiStatus status = manager.alterClientQuotas(MetadataImage.EMPTY,
                List.of(new Alteration(entity, Map.of(key, value))), false).response().get(entity);
        assertThat(status.error()).isEqualTo(ApiError.INVALID_REQUEST);
        return status.message();
    }

    @Property
    void entitiesSurviveTheirEncoding(@ForAll Optional<String> user, @ForAll boolean hasUser,
                                      @ForAll Optional<String> clientId, @ForAll boolean hasClientId) {
        if (!hasUser && !hasClientId) return;
        ClientQuotaEntity entity = ClientQuotaEntity.of(user.orElse(null), hasUser, clientId.orElse(null), hasClientId);
        assertThat(ClientQuotaEntity.decode(entity.encoded())).isEqualTo(entity);
    }
}
