package io.weir.broker.node;

import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A node's Kafka listeners, from Kafka's settings: {@code listeners} (the YAML's
 * {@code listeners.kafka}), {@code advertised.listeners}, {@code listener.security.protocol.map}
 * and {@code inter.broker.listener.name}. A pure parse; every error names the setting at fault.
 *
 * <p>{@code listeners.kafka} is either Weir's short form {@code host:port}, one PLAINTEXT
 * listener named PLAINTEXT (as before), or Kafka's list {@code NAME://host:port,...}. A name
 * that is a security protocol maps to it unless the map says otherwise, as in Kafka.
 */
public record KafkaListeners(List<Listener> all, String interBrokerListenerName) {

    /** One named listener: where it binds, what it tells clients, and how it is secured. */
    public record Listener(String name, SecurityProtocol protocol, NodeConfig.HostPort bind,
                           NodeConfig.HostPort advertised) {
    }

    public KafkaListeners {
        all = List.copyOf(all);
    }

    public static KafkaListeners parse(String listeners, String advertisedListeners, String protocolMap,
                                       String interBrokerListenerName) {
        Map<String, NodeConfig.HostPort> bind = parseList("listeners.kafka", listeners);
        Map<String, NodeConfig.HostPort> advertised = advertisedListeners == null ? bind
                : parseList("advertised.listeners", advertisedListeners);
        for (String name : advertised.keySet()) {
            if (!bind.containsKey(name)) {
                throw new IllegalArgumentException("advertised.listeners names " + name + ", which listeners.kafka does not have");
            }
        }
        Map<String, SecurityProtocol> protocols = parseProtocolMap(protocolMap);
        List<Listener> all = new ArrayList<>();
        for (Map.Entry<String, NodeConfig.HostPort> e : bind.entrySet()) {
            SecurityProtocol protocol = Optional.ofNullable(protocols.get(e.getKey()))
                    .or(() -> protocolNamed(e.getKey()))
                    .orElseThrow(() -> new IllegalArgumentException("listener " + e.getKey()
                            + " has no security protocol: add it to listener.security.protocol.map"));
            all.add(new Listener(e.getKey(), protocol, e.getValue(), advertised.getOrDefault(e.getKey(), e.getValue())));
        }
        String interBroker = interBrokerListenerName == null ? all.get(0).name()
                : interBrokerListenerName.toUpperCase(Locale.ROOT);
        if (!bind.containsKey(interBroker)) {
            throw new IllegalArgumentException("inter.broker.listener.name " + interBroker + " is not one of listeners.kafka "
                    + bind.keySet());
        }
        return new KafkaListeners(all, interBroker);
    }

    /** The listener brokers and controllers talk to each other on. */
    public Listener interBroker() {
        return all.stream().filter(l -> l.name().equals(interBrokerListenerName)).findFirst().orElseThrow();
    }

    /** The first listener, the one {@code WeirNode.bootstrapServers()} names. */
    public Listener first() {
        return all.get(0);
    }

    /** Kafka's {@code listeners} value: {@code NAME://host:port,...}. */
    public String describe() {
        return String.join(",", all.stream().map(l -> l.name() + "://" + l.bind().host() + ":" + l.bind().port()).toList());
    }

    private static Map<String, NodeConfig.HostPort> parseList(String key, String value) {
        Map<String, NodeConfig.HostPort> out = new LinkedHashMap<>();
        if (value == null || value.isBlank()) throw new IllegalArgumentException(key + " must not be empty");
        if (!value.contains("://")) {
            out.put(SecurityProtocol.PLAINTEXT.name, NodeConfig.HostPort.parse(value.trim()));
            return out;
        }
        for (String item : value.split(",")) {
            String entry = item.trim();
            int sep = entry.indexOf("://");
            if (sep <= 0) throw new IllegalArgumentException(key + ": expected NAME://host:port, got " + entry);
            String name = entry.substring(0, sep).toUpperCase(Locale.ROOT);
            NodeConfig.HostPort address;
            try {
                address = NodeConfig.HostPort.parse(entry.substring(sep + 3));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
            }
            if (out.put(name, address) != null) throw new IllegalArgumentException(key + " names " + name + " twice");
        }
        return out;
    }

    private static Map<String, SecurityProtocol> parseProtocolMap(String value) {
        Map<String, SecurityProtocol> out = new LinkedHashMap<>();
        if (value == null || value.isBlank()) return out;
        for (String item : value.split(",")) {
            String[] pair = item.trim().split(":");
            if (pair.length != 2) {
                throw new IllegalArgumentException("listener.security.protocol.map: expected NAME:PROTOCOL, got " + item.trim());
            }
            SecurityProtocol protocol = protocolNamed(pair[1].trim()).orElseThrow(() -> new IllegalArgumentException(
                    "listener.security.protocol.map: " + pair[1].trim() + " is not PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"));
            out.put(pair[0].trim().toUpperCase(Locale.ROOT), protocol);
        }
        return out;
    }

    private static Optional<SecurityProtocol> protocolNamed(String name) {
        for (SecurityProtocol p : List.of(SecurityProtocol.PLAINTEXT, SecurityProtocol.SSL, SecurityProtocol.SASL_PLAINTEXT,
                SecurityProtocol.SASL_SSL)) {
            if (p.name.equalsIgnoreCase(name)) return Optional.of(p);
        }
        return Optional.empty();
    }
}
