package io.weir.broker.security;

import io.weir.broker.network.RateLimitedLog;
import io.weir.broker.network.RequestDispatcher;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AllocateProducerIdsRequest;
import org.apache.kafka.common.requests.AlterPartitionRequest;
import org.apache.kafka.common.requests.BrokerHeartbeatRequest;
import org.apache.kafka.common.requests.BrokerRegistrationRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * Refuses the requests only cluster members may send, before any handler sees them, unless the
 * connection may act as the node the request names ({@link ClusterMembership#mayActAs}): the
 * controller-facing APIs (BrokerRegistration, BrokerHeartbeat, AlterPartition,
 * AllocateProducerIds) answer CLUSTER_AUTHORIZATION_FAILED; a replica's Fetch (replica id &ge; 0)
 * answers TOPIC_AUTHORIZATION_FAILED for each partition and a replica's OffsetForLeaderEpoch
 * CLUSTER_AUTHORIZATION_FAILED, as Kafka does without ClusterAction. A refused request changes
 * nothing. Everything else passes through.
 */
public final class ClusterActionGuard implements RequestDispatcher {
    private static final Logger log = LoggerFactory.getLogger(ClusterActionGuard.class);
    private static final RateLimitedLog REFUSALS = new RateLimitedLog(log);

    private final RequestDispatcher next;
    private final ClusterMembership membership;

    public ClusterActionGuard(RequestDispatcher next, ClusterMembership membership) {
        this.next = next;
        this.membership = membership;
    }

    @Override
    public boolean isSupported(ApiKeys apiKey, short version) {
        return next.isSupported(apiKey, version);
    }

    @Override
    public CompletableFuture<AbstractResponse> dispatch(RequestContext context, AbstractRequest request) {
        OptionalInt node = actingNode(request);
        if (node.isEmpty() || membership.mayActAs(context.principal(), node.getAsInt())) {
            return next.dispatch(context, request);
        }
        REFUSALS.log(org.slf4j.event.Level.WARN, "refused-" + request.apiKey(), "Refused {} as node {} from {} ({}): not a member of this cluster{}",
                request.apiKey(), node.getAsInt(), context.clientAddress.getHostAddress(), context.principal(),
                membership.authenticated() ? "" : " (an unexpected node id)");
        ApiException refusal = request.apiKey() == ApiKeys.FETCH
                ? new TopicAuthorizationException("replica fetches need cluster membership")
                : new ClusterAuthorizationException("Request " + request.apiKey() + " needs cluster membership");
        return CompletableFuture.completedFuture(request.getErrorResponse(refusal));
    }

    /** The node a members-only request acts as, or empty for a request anyone may send. */
    public static OptionalInt actingNode(AbstractRequest request) {
        if (request instanceof BrokerRegistrationRequest r) return OptionalInt.of(r.data().brokerId());
        if (request instanceof BrokerHeartbeatRequest r) return OptionalInt.of(r.data().brokerId());
        if (request instanceof AlterPartitionRequest r) return OptionalInt.of(r.data().brokerId());
        if (request instanceof AllocateProducerIdsRequest r) return OptionalInt.of(r.data().brokerId());
        if (request instanceof FetchRequest r) return r.replicaId() >= 0 ? OptionalInt.of(r.replicaId()) : OptionalInt.empty();
        if (request instanceof OffsetsForLeaderEpochRequest r) {
            return r.data().replicaId() >= 0 ? OptionalInt.of(r.data().replicaId()) : OptionalInt.empty();
        }
        return OptionalInt.empty();
    }
}
