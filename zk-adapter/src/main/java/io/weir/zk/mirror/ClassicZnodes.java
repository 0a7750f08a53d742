package io.weir.zk.mirror;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.record.BrokerEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * The znodes Kafka 3.x kept in ZooKeeper for a cluster, computed from a {@link MetadataImage}:
 * path to data, in the JSON shapes of Kafka's {@code kafka.zk.ZkData} ({@code BrokerIdZNode}
 * version 5, {@code TopicZNode} version 3 with {@code topic_id}, {@code TopicPartitionStateZNode}
 * version 1, {@code ControllerZNode} version 1, {@code ControllerEpochZNode}), so tools that read
 * ZooKeeper see the cluster. Pure: the same image, epoch, controller and timestamps give the
 * same bytes (keys in a fixed order), so an unchanged image is an empty diff.
 *
 * <p>ACLs appear in Kafka's {@code AclAuthorizer} layout ({@link ClassicAclZnodes}).
 *
 * <p>Only live (unfenced) brokers appear under {@code /brokers/ids}, as only live brokers held
 * their ephemeral registration in Kafka. Parent znodes ({@code /brokers}, {@code .../partitions},
 * {@code .../partitions/P}) hold no data, as in Kafka.
 */
public final class ClassicZnodes {
    static final byte[] NO_DATA = new byte[0];
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClassicZnodes() {
    }

    /**
     * @param controllerEpoch the active controller's epoch (Kafka's {@code controller_epoch})
     * @param controllerId the active controller's node id
     * @param controllerSince when it became the controller, in ms (the {@code /controller} timestamp)
     * @param registeredAt a broker's registration time in ms, by broker (Kafka's {@code timestamp})
     */
    public static Map<String, byte[]> of(MetadataImage image, long controllerEpoch, int controllerId,
                                         long controllerSince, ToLongFunction<BrokerRegistration> registeredAt) {
        Map<String, byte[]> znodes = new TreeMap<>();
        znodes.put("/brokers", NO_DATA);
        znodes.put("/brokers/ids", NO_DATA);
        znodes.put("/brokers/topics", NO_DATA);
        for (BrokerRegistration b : image.liveBrokers()) {
            znodes.put("/brokers/ids/" + b.id(), broker(b, registeredAt.applyAsLong(b)));
        }
        for (TopicImage t : image.topicsById().values()) {
            String topic = "/brokers/topics/" + t.name();
            znodes.put(topic, topic(t));
            znodes.put(topic + "/partitions", NO_DATA);
            for (Map.Entry<Integer, PartitionRegistration> p : t.partitions().entrySet()) {
                znodes.put(topic + "/partitions/" + p.getKey(), NO_DATA);
                znodes.put(topic + "/partitions/" + p.getKey() + "/state", state(p.getValue(), controllerEpoch));
            }
        }
        ClassicAclZnodes.addTo(znodes, image.acls().values());
        Map<String, Object> controller = new LinkedHashMap<>();
        controller.put("version", 1);
        controller.put("brokerid", controllerId);
        controller.put("timestamp", Long.toString(controllerSince));
        znodes.put("/controller", json(controller));
        znodes.put("/controller_epoch", Long.toString(controllerEpoch).getBytes(StandardCharsets.UTF_8));
        return znodes;
    }

    static byte[] broker(BrokerRegistration b, long timestamp) {
        BrokerEndpoint plaintext = b.endpoints().stream()
            .filter(e -> "PLAINTEXT".equals(e.securityProtocol())).findFirst().orElse(null);
        List<String> endpoints = new ArrayList<>();
        Map<String, String> protocols = new TreeMap<>();
        for (BrokerEndpoint e : b.endpoints()) {
            String protocol = e.securityProtocol() == null ? "PLAINTEXT" : e.securityProtocol();
            endpoints.add(e.listener() + "://" + e.host() + ":" + e.port());
            protocols.put(e.listener(), protocol);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("features", Map.of());
        json.put("listener_security_protocol_map", protocols);
        json.put("endpoints", endpoints);
        json.put("jmx_port", -1);
        json.put("port", plaintext == null ? -1 : plaintext.port());
        json.put("host", plaintext == null ? null : plaintext.host());
        json.put("version", 5);
        json.put("timestamp", Long.toString(timestamp));
        if (b.rack() != null) {
            json.put("rack", b.rack());
        }
        return json(json);
    }

    static byte[] topic(TopicImage t) {
        Map<String, List<Integer>> replicas = new TreeMap<>(ClassicZnodes::byNumber);
        Map<String, List<Integer>> adding = new TreeMap<>(ClassicZnodes::byNumber);
        Map<String, List<Integer>> removing = new TreeMap<>(ClassicZnodes::byNumber);
        for (Map.Entry<Integer, PartitionRegistration> p : t.partitions().entrySet()) {
            String id = Integer.toString(p.getKey());
            replicas.put(id, p.getValue().replicas());
            if (!p.getValue().addingReplicas().isEmpty()) {
                adding.put(id, p.getValue().addingReplicas());
            }
            if (!p.getValue().removingReplicas().isEmpty()) {
                removing.put(id, p.getValue().removingReplicas());
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("partitions", replicas);
        json.put("topic_id", kafkaUuid(t.id()));
        json.put("adding_replicas", adding);
        json.put("removing_replicas", removing);
        json.put("version", 3);
        return json(json);
    }

    static byte[] state(PartitionRegistration p, long controllerEpoch) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("controller_epoch", controllerEpoch);
        json.put("leader", p.leader());
        json.put("version", 1);
        json.put("leader_epoch", p.leaderEpoch());
        json.put("isr", p.isr());
        return json(json);
    }

    /** Kafka's {@code Uuid.toString()}: the 16 bytes in URL-safe base64 without padding. */
    static String kafkaUuid(UUID id) {
        byte[] bytes = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
            .putLong(id.getLeastSignificantBits()).array();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static int byNumber(String a, String b) {
        return Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
    }

    private static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
