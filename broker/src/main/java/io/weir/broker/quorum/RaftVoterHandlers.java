package io.weir.broker.quorum;

import io.weir.broker.admin.ControllerForwarder;
import io.weir.broker.api.ApiRegistry;
import io.weir.controller.QuorumController;
import io.weir.controller.coordination.QuorumMembership;
import io.weir.controller.coordination.VoterChangeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.common.message.AddRaftVoterResponseData;
import org.apache.kafka.common.message.RemoveRaftVoterResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddRaftVoterRequest;
import org.apache.kafka.common.requests.AddRaftVoterResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.RemoveRaftVoterRequest;
import org.apache.kafka.common.requests.RemoveRaftVoterResponse;

/**
 * DescribeQuorum, AddRaftVoter and RemoveRaftVoter (KIP-853, API keys 55, 80, 81) on a backend
 * that has a quorum. Voter changes run on the active controller's node (the Raft leader), the
 * other nodes forward; {@code Admin.addRaftVoter(id, ...)} promotes a node that is already a
 * listener (its directory id and endpoints are ignored: the quorum knows its Raft address from
 * when it joined), {@code Admin.removeRaftVoter(id, ...)} removes a voter. Refusals carry
 * Kafka's codes: DUPLICATE_VOTER, VOTER_NOT_FOUND, INVALID_REQUEST (not a member, or no live
 * majority would remain), UNSUPPORTED_VERSION (ZooKeeper: no voters), INCONSISTENT_CLUSTER_ID.
 */
public final class RaftVoterHandlers {
    private static final long DEFAULT_TIMEOUT_MS = 60_000;

    private RaftVoterHandlers() {
    }

    /** Adds the three APIs to {@code apis}. */
    public static void register(ApiRegistry.Builder apis, QuorumController controller, QuorumMembership quorum,
                                ControllerForwarder forwarder, String clusterId) {
        apis.add(ApiKeys.DESCRIBE_QUORUM, 0, 2, new DescribeQuorumHandler(controller, quorum, forwarder));
        apis.add(ApiKeys.ADD_RAFT_VOTER, 0, 1, (org.apache.kafka.common.requests.RequestContext context, AddRaftVoterRequest request) -> {
            if (wrongCluster(request.data().clusterId(), clusterId)) {
                return CompletableFuture.completedFuture(add(inconsistent(request.data().clusterId())));
            }
            if (!controller.isActive()) {
                return forward(forwarder, new AddRaftVoterRequest.Builder(request.data().duplicate()),
                        r -> new AddRaftVoterResponse(((AddRaftVoterResponse) r).data()), RaftVoterHandlers::add);
            }
            return change(quorum.addVoter(request.data().voterId()), request.data().timeoutMs(), RaftVoterHandlers::add);
        });
        apis.add(ApiKeys.REMOVE_RAFT_VOTER, 0, 0, (org.apache.kafka.common.requests.RequestContext context, RemoveRaftVoterRequest request) -> {
            if (wrongCluster(request.data().clusterId(), clusterId)) {
                return CompletableFuture.completedFuture(remove(inconsistent(request.data().clusterId())));
            }
            if (!controller.isActive()) {
                return forward(forwarder, new RemoveRaftVoterRequest.Builder(request.data().duplicate()),
                        r -> new RemoveRaftVoterResponse(((RemoveRaftVoterResponse) r).data()), RaftVoterHandlers::remove);
            }
            return change(quorum.removeVoter(request.data().voterId()), 0, RaftVoterHandlers::remove);
        });
    }

    private static boolean wrongCluster(String requested, String clusterId) {
        return requested != null && !requested.equals(clusterId);
    }

    private static ApiError inconsistent(String requested) {
        return new ApiError(Errors.INCONSISTENT_CLUSTER_ID, "this is not cluster " + requested);
    }

    private static CompletableFuture<AbstractResponse> forward(
            ControllerForwarder forwarder, org.apache.kafka.common.requests.AbstractRequest.Builder<?> request,
            Function<AbstractResponse, AbstractResponse> copy, Function<ApiError, AbstractResponse> respond) {
        return forwarder.forward(request).handle((forwarded, error) -> error == null ? copy.apply(forwarded)
                : respond.apply(new ApiError(Errors.NOT_CONTROLLER, "no active controller reachable")));
    }

    private static CompletableFuture<AbstractResponse> change(CompletableFuture<Void> change, int timeoutMs,
                                                              Function<ApiError, AbstractResponse> respond) {
        long bound = timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS;
        return change.orTimeout(bound, TimeUnit.MILLISECONDS).handle((ok, error) -> respond.apply(
                error == null ? ApiError.NONE : failure(error)));
    }

    static ApiError failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof TimeoutException) {
            return new ApiError(Errors.REQUEST_TIMED_OUT, "the voter change did not complete in time");
        }
        if (!(cause instanceof VoterChangeException e)) {
            return new ApiError(Errors.UNKNOWN_SERVER_ERROR, String.valueOf(cause));
        }
        Errors code = switch (e.reason()) {
            case NOT_LEADER -> Errors.NOT_CONTROLLER;
            case DUPLICATE_VOTER -> Errors.DUPLICATE_VOTER;
            case VOTER_NOT_FOUND -> Errors.VOTER_NOT_FOUND;
            case UNKNOWN_NODE, UNSAFE -> Errors.INVALID_REQUEST;
            case UNSUPPORTED -> Errors.UNSUPPORTED_VERSION;
            case FAILED -> Errors.REQUEST_TIMED_OUT;
        };
        return new ApiError(code, e.getMessage());
    }

    private static AbstractResponse add(ApiError error) {
        return new AddRaftVoterResponse(new AddRaftVoterResponseData().setErrorCode(error.error().code())
                .setErrorMessage(error.isSuccess() ? null : error.message()));
    }

    private static AbstractResponse remove(ApiError error) {
        return new RemoveRaftVoterResponse(new RemoveRaftVoterResponseData().setErrorCode(error.error().code())
                .setErrorMessage(error.isSuccess() ? null : error.message()));
    }
}
