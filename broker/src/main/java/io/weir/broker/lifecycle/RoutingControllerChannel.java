package io.weir.broker.lifecycle;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ProducerIdControlManager;
import io.weir.controller.QuorumController;
import io.weir.controller.broker.BrokerHeartbeatReply;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.partition.AlterPartitionReply;
import io.weir.controller.partition.AlterPartitionRequest;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.replication.BlockingKafkaClient;
import io.weir.replication.InterBrokerSecurity;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.AllocateProducerIdsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AllocateProducerIdsRequest;
import org.apache.kafka.common.requests.AllocateProducerIdsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.AlterPartitionResponse;
import org.apache.kafka.common.requests.BrokerHeartbeatResponse;
import org.apache.kafka.common.requests.BrokerRegistrationResponse;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Sends broker lifecycle requests to the active controller: straight to the in-process
 * controller when this node is active, otherwise over the Kafka protocol to the endpoint the
 * coordination backend publishes for the active controller.
 */
public final class RoutingControllerChannel implements ControllerChannel {
    private final QuorumController local;
    private final String clusterId;
    private final int timeoutMs;
    private static final int MAX_RESPONSE_BYTES = 1024 * 1024;
    private final InterBrokerSecurity security;
    private BlockingKafkaClient client;

    public RoutingControllerChannel(QuorumController local, String clusterId, int timeoutMs) {
        this(local, clusterId, timeoutMs, InterBrokerSecurity.PLAINTEXT);
    }

    /**
     * @param security how this node reaches the active controller's endpoint (its inter-broker
     *                 listener) and proves that it is a cluster member
     */
    public RoutingControllerChannel(QuorumController local, String clusterId, int timeoutMs, InterBrokerSecurity security) {
        this.security = security;
        this.local = local;
        this.clusterId = clusterId;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public BrokerRegistrationReply register(BrokerRegistrationRequest request) throws Exception {
        if (local.isActive()) return local.registerBroker(request).get(timeoutMs, TimeUnit.MILLISECONDS);
        BrokerRegistrationRequestData data = new BrokerRegistrationRequestData()
                .setBrokerId(request.brokerId()).setClusterId(clusterId)
                .setIncarnationId(new Uuid(request.incarnationId().getMostSignificantBits(),
                        request.incarnationId().getLeastSignificantBits()))
                .setRack(request.rack()).setPreviousBrokerEpoch(-1);
        for (BrokerEndpoint e : request.endpoints()) {
            data.listeners().add(new BrokerRegistrationRequestData.Listener().setName(e.listener()).setHost(e.host())
                    .setPort(e.port()).setSecurityProtocol(SecurityProtocol.forName(e.securityProtocol()).id));
        }
        BrokerRegistrationResponse response = (BrokerRegistrationResponse) remote(
                new org.apache.kafka.common.requests.BrokerRegistrationRequest.Builder(data));
        return new BrokerRegistrationReply(status(response.data().errorCode()), response.data().brokerEpoch());
    }

    @Override
    public BrokerHeartbeatReply heartbeat(BrokerHeartbeatRequest request) throws Exception {
        if (local.isActive()) return local.brokerHeartbeat(request).get(timeoutMs, TimeUnit.MILLISECONDS);
        BrokerHeartbeatRequestData data = new BrokerHeartbeatRequestData().setBrokerId(request.brokerId())
                .setBrokerEpoch(request.brokerEpoch()).setCurrentMetadataOffset(request.currentMetadataOffset())
                .setWantFence(request.wantFence()).setWantShutDown(request.wantShutDown())
                .setOfflineLogDirs(request.logDirOffline() ? List.of(DATA_DIR_ID) : List.of());
        BrokerHeartbeatResponse response = (BrokerHeartbeatResponse) remote(
                new org.apache.kafka.common.requests.BrokerHeartbeatRequest.Builder(data));
        return new BrokerHeartbeatReply(status(response.data().errorCode()), response.data().isCaughtUp(),
                response.data().isFenced(), response.data().shouldShutDown());
    }

    /**
     * Sends one ISR change (Kafka's AlterPartition) to the active controller. Blocks for at most
     * the timeout; use one channel per calling thread, as the remote path holds one connection.
     */
    public AlterPartitionReply alterPartition(AlterPartitionRequest request) throws Exception {
        return alterPartitions(List.of(request)).get(0);
    }

    /**
     * Sends many ISR changes of one broker as one AlterPartition request, which the controller
     * decides in one metadata write; the replies come in the order of {@code requests}. Blocks
     * for at most the timeout.
     */
    public List<AlterPartitionReply> alterPartitions(List<AlterPartitionRequest> requests) throws Exception {
        if (requests.isEmpty()) return List.of();
        if (local.isActive()) {
            return local.alterPartitions(requests).get(timeoutMs, TimeUnit.MILLISECONDS);
        }
        AlterPartitionRequest first = requests.get(0);
        AlterPartitionRequestData data = new AlterPartitionRequestData()
                .setBrokerId(first.brokerId()).setBrokerEpoch(first.brokerEpoch());
        java.util.Map<Uuid, AlterPartitionRequestData.TopicData> topics = new java.util.LinkedHashMap<>();
        for (AlterPartitionRequest request : requests) {
            if (request.brokerId() != first.brokerId() || request.brokerEpoch() != first.brokerEpoch()) {
                throw new IllegalArgumentException("one AlterPartition carries one broker's changes");
            }
            topics.computeIfAbsent(kafkaId(request.topicId()), id -> {
                AlterPartitionRequestData.TopicData topic = new AlterPartitionRequestData.TopicData().setTopicId(id);
                data.topics().add(topic);
                return topic;
            }).partitions().add(new AlterPartitionRequestData.PartitionData()
                    .setPartitionIndex(request.partition()).setLeaderEpoch(request.leaderEpoch())
                    .setPartitionEpoch(request.partitionEpoch())
                    .setNewIsrWithEpochs(org.apache.kafka.common.requests.AlterPartitionRequest
                            .newIsrToSimpleNewIsrWithBrokerEpochs(request.newIsr())));
        }
        AlterPartitionResponse response = (AlterPartitionResponse) remote(
                new org.apache.kafka.common.requests.AlterPartitionRequest.Builder(data));
        List<AlterPartitionReply> replies = new java.util.ArrayList<>(requests.size());
        if (response.data().errorCode() != 0) {
            AlterPartitionReply failed = new AlterPartitionReply(status(response.data().errorCode()), -1, -1, List.of(), -1);
            requests.forEach(r -> replies.add(failed));
            return replies;
        }
        java.util.Map<String, AlterPartitionResponseData.PartitionData> answered = new java.util.HashMap<>();
        for (AlterPartitionResponseData.TopicData topic : response.data().topics()) {
            for (AlterPartitionResponseData.PartitionData p : topic.partitions()) {
                answered.put(topic.topicId() + "-" + p.partitionIndex(), p);
            }
        }
        for (AlterPartitionRequest request : requests) {
            AlterPartitionResponseData.PartitionData p = answered.get(kafkaId(request.topicId()) + "-" + request.partition());
            replies.add(p == null
                    ? new AlterPartitionReply(ApiStatus.of(ApiError.UNKNOWN_SERVER_ERROR, "no answer for this partition"),
                            -1, -1, List.of(), -1)
                    : new AlterPartitionReply(status(p.errorCode()), p.leaderId(), p.leaderEpoch(), p.isr(),
                            p.partitionEpoch()));
        }
        return replies;
    }

    private static Uuid kafkaId(java.util.UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    private static ApiStatus status(short code) {
        for (ApiError e : ApiError.values()) {
            if (e.code() == code) return e == ApiError.NONE ? ApiStatus.OK : ApiStatus.of(e, null);
        }
        return ApiStatus.of(ApiError.UNKNOWN_SERVER_ERROR, "error code " + code);
    }

    /**
     * Creates a topic with the cluster's default partitions and replication factor (Kafka's
     * auto-creation); returns the error code (TOPIC_ALREADY_EXISTS counts as done).
     */
    public short createTopicWithDefaults(String name) throws Exception {
        if (local.isActive()) {
            return local.createTopics(List.of(io.weir.controller.topic.CreatableTopic.of(name, -1, -1)), false)
                    .get(timeoutMs, TimeUnit.MILLISECONDS).get(0).status().error().code();
        }
        CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(timeoutMs);
        data.topics().add(new CreateTopicsRequestData.CreatableTopic().setName(name).setNumPartitions(-1)
                .setReplicationFactor((short) -1));
        CreateTopicsResponse response = (CreateTopicsResponse) remote(new CreateTopicsRequest.Builder(data));
        return response.data().topics().find(name).errorCode();
    }

    /** Kafka's AllocateProducerIds: a block of cluster-unique producer ids for this broker epoch. */
    public ProducerIdControlManager.ProducerIdBlock allocateProducerIds(int brokerId, long brokerEpoch) throws Exception {
        if (local.isActive()) return local.allocateProducerIds(brokerId, brokerEpoch).get(timeoutMs, TimeUnit.MILLISECONDS);
        AllocateProducerIdsResponse response = (AllocateProducerIdsResponse) remote(
                new AllocateProducerIdsRequest.Builder(new AllocateProducerIdsRequestData().setBrokerId(brokerId)
                        .setBrokerEpoch(brokerEpoch)));
        return new ProducerIdControlManager.ProducerIdBlock(status(response.data().errorCode()),
                response.data().producerIdStart(), response.data().producerIdLen());
    }

    /**
     * The id of a broker's one data directory in OfflineLogDirs (Kafka names each log directory by
     * a Uuid; its reserved ids have a zero high half, this one does not).
     */
    static final Uuid DATA_DIR_ID = new Uuid(0x5765697244617461L, 1); // "WeirData"

    /**
     * Sends a client's admin request as it is to the active controller (Kafka's request
     * forwarding, KIP-590) and returns its answer; IOException when no controller is known or
     * reachable.
     */
    public AbstractResponse forward(AbstractRequest.Builder<?> request) throws IOException {
        return remote(request);
    }

    /** Sends to the active controller over one connection, reconnecting when it moves or after a failure. */
    private AbstractResponse remote(AbstractRequest.Builder<?> request) throws IOException {
        Optional<ControllerLocation> location = local.activeController();
        if (location.isEmpty() || location.get().port() <= 0) {
            throw new IOException("no active controller is known");
        }
        InetSocketAddress target = new InetSocketAddress(location.get().host(), location.get().port());
        if (client == null || !target.equals(client.address())) {
            closeClient();
            client = new BlockingKafkaClient(target, "weir-broker-lifecycle", timeoutMs, MAX_RESPONSE_BYTES, security);
        }
        return client.send(request);
    }

    private void closeClient() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    @Override
    public void close() {
        closeClient();
    }
}
