package io.weir.broker.admin;

import io.weir.controller.ApiStatus;
import io.weir.controller.coordination.NotControllerException;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Shared mapping of controller outcomes to Kafka errors for the admin handlers. */
final class ControllerCalls {
    /** Bound on how long a handler waits for the controller when the request gives no timeout. */
    static final int MAX_TIMEOUT_MS = 60_000;

    private ControllerCalls() {
    }

    /** The controller's future, failed with a TimeoutException after the request's timeout. */
    static <T> CompletableFuture<T> bounded(CompletableFuture<T> call, int timeoutMs) {
        int bound = timeoutMs <= 0 ? MAX_TIMEOUT_MS : Math.min(timeoutMs, MAX_TIMEOUT_MS);
        return call.orTimeout(bound, TimeUnit.MILLISECONDS);
    }

    /** The Kafka error for a failed controller call. */
    static org.apache.kafka.common.requests.ApiError failure(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof NotControllerException) {
            return new org.apache.kafka.common.requests.ApiError(Errors.NOT_CONTROLLER, cause.getMessage());
        }
        if (cause instanceof TimeoutException) {
            return new org.apache.kafka.common.requests.ApiError(Errors.REQUEST_TIMED_OUT,
                    "the controller did not answer in time; the change may still be applied");
        }
        if (cause instanceof RejectedExecutionException) {
            return new org.apache.kafka.common.requests.ApiError(Errors.THROTTLING_QUOTA_EXCEEDED, cause.getMessage());
        }
        if (cause instanceof IllegalArgumentException) {
            return new org.apache.kafka.common.requests.ApiError(Errors.INVALID_REQUEST, cause.getMessage());
        }
        return new org.apache.kafka.common.requests.ApiError(Errors.UNKNOWN_SERVER_ERROR, cause.toString());
    }

    static Errors error(io.weir.controller.ApiError error) {
        return Errors.forCode(error.code());
    }

    static Errors error(ApiStatus status) {
        return error(status.error());
    }
}
