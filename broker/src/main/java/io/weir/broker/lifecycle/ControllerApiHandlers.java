package io.weir.broker.lifecycle;

import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.requests.AlterPartitionResponse;

import io.weir.broker.api.ApiRegistry;
import io.weir.controller.ApiStatus;
import io.weir.controller.QuorumController;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.coordination.NotControllerException;
import io.weir.controller.record.BrokerEndpoint;
import org.apache.kafka.common.message.AllocateProducerIdsRequestData;
import org.apache.kafka.common.message.AllocateProducerIdsResponseData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AllocateProducerIdsResponse;
import org.apache.kafka.common.requests.BrokerHeartbeatResponse;
import org.apache.kafka.common.requests.BrokerRegistrationResponse;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Kafka's BrokerRegistration, BrokerHeartbeat and AlterPartition served by the local controller (DESIGN
 * decision 4). They are registered on the node's Kafka listener: the quorum port belongs to
 * Ratis, and the active controller publishes this listener's port as its controller endpoint.
 * A node that is not the active controller answers NOT_CONTROLLER. Only cluster members reach
 * these handlers: {@code security.ClusterActionGuard} answers anyone else first.
 */
public final class ControllerApiHandlers {
    private ControllerApiHandlers() {
    }

    public static ApiRegistry.Builder register(ApiRegistry.Builder registry, QuorumController controller,
                                               String clusterId) {
        return registry
                .add(ApiKeys.BROKER_REGISTRATION, 0, ApiKeys.BROKER_REGISTRATION.latestVersion(),
                        (ctx, request) -> registerBroker(controller, clusterId,
                                ((org.apache.kafka.common.requests.BrokerRegistrationRequest) request).data()))
                .add(ApiKeys.BROKER_HEARTBEAT, 0, ApiKeys.BROKER_HEARTBEAT.latestVersion(),
                        (ctx, request) -> heartbeat(controller,
                                ((org.apache.kafka.common.requests.BrokerHeartbeatRequest) request).data()))
                .add(ApiKeys.ALTER_PARTITION, ApiKeys.ALTER_PARTITION.oldestVersion(),
                        ApiKeys.ALTER_PARTITION.latestVersion(),
                        (ctx, request) -> alterPartition(controller,
                                ((org.apache.kafka.common.requests.AlterPartitionRequest) request).data()))
                .add(ApiKeys.ALLOCATE_PRODUCER_IDS, 0, ApiKeys.ALLOCATE_PRODUCER_IDS.latestVersion(),
                        (ctx, request) -> allocateProducerIds(controller,
                                ((org.apache.kafka.common.requests.AllocateProducerIdsRequest) request).data()));
    }

    /** AllocateProducerIds from brokers: disjoint blocks, fenced by broker epoch. */
    private static CompletableFuture<AbstractResponse> allocateProducerIds(QuorumController controller,
                                                                           AllocateProducerIdsRequestData in) {
        AllocateProducerIdsResponseData out = new AllocateProducerIdsResponseData().setProducerIdStart(-1).setProducerIdLen(0);
        return controller.allocateProducerIds(in.brokerId(), in.brokerEpoch()).handle((block, error) -> {
            if (error != null) {
                out.setErrorCode(errorOf(error).code());
            } else {
                out.setErrorCode(block.status().error().code());
                if (block.status().isOk()) out.setProducerIdStart(block.firstProducerId()).setProducerIdLen(block.length());
            }
            return new AllocateProducerIdsResponse(out);
        });
    }

    /** AlterPartition from partition leaders (ISR changes), answered per partition. */
    private static CompletableFuture<AbstractResponse> alterPartition(QuorumController controller,
                                                                      AlterPartitionRequestData in) {
        List<io.weir.controller.partition.AlterPartitionRequest> requests = new ArrayList<>();
        for (AlterPartitionRequestData.TopicData topic : in.topics()) {
            UUID topicId = new UUID(topic.topicId().getMostSignificantBits(), topic.topicId().getLeastSignificantBits());
            for (AlterPartitionRequestData.PartitionData p : topic.partitions()) {
                List<Integer> isr = new ArrayList<>(p.newIsr());
                p.newIsrWithEpochs().forEach(b -> isr.add(b.brokerId()));
                requests.add(new io.weir.controller.partition.AlterPartitionRequest(in.brokerId(), in.brokerEpoch(),
                        topicId, p.partitionIndex(), p.leaderEpoch(), isr, p.partitionEpoch()));
            }
        }
        return controller.alterPartitions(requests).handle((replies, error) -> {
            AlterPartitionResponseData out = new AlterPartitionResponseData();
            if (error != null) {
                return new AlterPartitionResponse(out.setErrorCode(errorOf(error).code()));
            }
            int i = 0;
            for (AlterPartitionRequestData.TopicData topic : in.topics()) {
                AlterPartitionResponseData.TopicData t = new AlterPartitionResponseData.TopicData()
                        .setTopicId(topic.topicId());
                for (AlterPartitionRequestData.PartitionData p : topic.partitions()) {
                    io.weir.controller.partition.AlterPartitionReply r = replies.get(i++);
                    t.partitions().add(new AlterPartitionResponseData.PartitionData()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(code(r.status()))
                            .setLeaderId(r.leader()).setLeaderEpoch(r.leaderEpoch()).setIsr(r.isr())
                            .setPartitionEpoch(r.partitionEpoch()));
                }
                out.topics().add(t);
            }
            return new AlterPartitionResponse(out);
        });
    }

    private static CompletableFuture<AbstractResponse> registerBroker(QuorumController controller, String clusterId,
                                                                      BrokerRegistrationRequestData in) {
        BrokerRegistrationResponseData out = new BrokerRegistrationResponseData().setBrokerEpoch(-1);
        if (!clusterId.equals(in.clusterId())) {
            out.setErrorCode(Errors.INCONSISTENT_CLUSTER_ID.code());
            return CompletableFuture.completedFuture(new BrokerRegistrationResponse(out));
        }
        List<BrokerEndpoint> endpoints = new ArrayList<>();
        in.listeners().forEach(l -> endpoints.add(new BrokerEndpoint(l.name(), l.host(), l.port(),
                SecurityProtocol.forId(l.securityProtocol()).name)));
        UUID incarnation = new UUID(in.incarnationId().getMostSignificantBits(), in.incarnationId().getLeastSignificantBits());
        return controller.registerBroker(new BrokerRegistrationRequest(in.brokerId(), incarnation, endpoints, in.rack()))
                .handle((reply, error) -> {
                    if (error != null) out.setErrorCode(errorOf(error).code());
                    else out.setErrorCode(code(reply.status())).setBrokerEpoch(reply.brokerEpoch());
                    return new BrokerRegistrationResponse(out);
                });
    }

    private static CompletableFuture<AbstractResponse> heartbeat(QuorumController controller,
                                                                 org.apache.kafka.common.message.BrokerHeartbeatRequestData in) {
        BrokerHeartbeatResponseData out = new BrokerHeartbeatResponseData().setIsFenced(true);
        return controller.brokerHeartbeat(new BrokerHeartbeatRequest(in.brokerId(), in.brokerEpoch(),
                        in.currentMetadataOffset(), in.wantFence(), in.wantShutDown(), !in.offlineLogDirs().isEmpty()))
                .handle((reply, error) -> {
                    if (error != null) {
                        out.setErrorCode(errorOf(error).code());
                    } else {
                        out.setErrorCode(code(reply.status())).setIsCaughtUp(reply.isCaughtUp())
                                .setIsFenced(reply.isFenced()).setShouldShutDown(reply.shouldShutDown());
                    }
                    return new BrokerHeartbeatResponse(out);
                });
    }

    private static short code(ApiStatus status) {
        return status.error().code();
    }

    static Errors errorOf(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof NotControllerException ? Errors.NOT_CONTROLLER : Errors.forException(cause);
    }
}
