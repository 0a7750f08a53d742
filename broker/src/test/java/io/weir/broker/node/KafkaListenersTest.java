package io.weir.broker.node;

import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaListenersTest {

    @Test
    void weirsShortFormIsOnePlaintextListener() {
        KafkaListeners listeners = KafkaListeners.parse("127.0.0.1:9092", null, null, null);

        assertThat(listeners.all()).containsExactly(new KafkaListeners.Listener("PLAINTEXT", SecurityProtocol.PLAINTEXT,
                new NodeConfig.HostPort("127.0.0.1", 9092), new NodeConfig.HostPort("127.0.0.1", 9092)));
        assertThat(listeners.interBroker().name()).isEqualTo("PLAINTEXT");
        assertThat(listeners.describe()).isEqualTo("PLAINTEXT://127.0.0.1:9092");
    }

    @Test
    void kafkasListWithAProtocolMapAdvertisedAddressesAndAnInterBrokerListener() {
        KafkaListeners listeners = KafkaListeners.parse("CLIENT://0.0.0.0:9093, internal://127.0.0.1:9094,SSL://127.0.0.1:9095",
                "CLIENT://kafka.example.com:19093", "CLIENT:SASL_SSL,INTERNAL:ssl", "internal");

        assertThat(listeners.all()).extracting(KafkaListeners.Listener::name).containsExactly("CLIENT", "INTERNAL", "SSL");
        assertThat(listeners.all()).extracting(KafkaListeners.Listener::protocol)
                .containsExactly(SecurityProtocol.SASL_SSL, SecurityProtocol.SSL, SecurityProtocol.SSL);
        assertThat(listeners.first().advertised()).isEqualTo(new NodeConfig.HostPort("kafka.example.com", 19093));
        assertThat(listeners.interBroker().advertised()).isEqualTo(new NodeConfig.HostPort("127.0.0.1", 9094));
    }

    @Test
    void mistakesNameTheSettingAtFault() {
        assertThatThrownBy(() -> KafkaListeners.parse("CLIENT://127.0.0.1:9092", null, null, null))
                .hasMessageContaining("listener.security.protocol.map");
        assertThatThrownBy(() -> KafkaListeners.parse("SSL://127.0.0.1:9092", null, null, "INTERNAL"))
                .hasMessageContaining("inter.broker.listener.name");
        assertThatThrownBy(() -> KafkaListeners.parse("SSL://127.0.0.1:9092", "OTHER://h:1", null, null))
                .hasMessageContaining("advertised.listeners");
        assertThatThrownBy(() -> KafkaListeners.parse("SSL://127.0.0.1:9092,SSL://127.0.0.1:9093", null, null, null))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> KafkaListeners.parse("A://127.0.0.1:9092", null, "A:TLS", null))
                .hasMessageContaining("listener.security.protocol.map");
        assertThatThrownBy(() -> KafkaListeners.parse("SSL://nohost", null, null, null))
                .hasMessageContaining("listeners.kafka");
    }
}
