package io.weir.broker.admin;

import io.weir.broker.lifecycle.RoutingControllerChannel;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Forwards admin requests that a non-active node received to the active controller, as Kafka's
 * brokers do (KIP-590). The admin client sends some of them (IncrementalAlterConfigs for topics)
 * to whichever broker is least loaded and retries NOT_CONTROLLER on the same one, so answering
 * NOT_CONTROLLER would leave it retrying until its timeout.
 *
 * <p>One thread sends one request at a time over the channel's connection; at most
 * {@value #MAX_QUEUED} wait, and further ones fail at once (the caller answers NOT_CONTROLLER
 * and the client retries).
 */
public final class ControllerForwarder implements AutoCloseable {
    private static final int MAX_QUEUED = 64;

    /** Never forwards: every request fails, so the caller answers NOT_CONTROLLER. */
    public static final ControllerForwarder NONE = new ControllerForwarder(null);

    private final RoutingControllerChannel channel;
    private final ThreadPoolExecutor thread;

    /** @param channel used only from this forwarder's thread; null forwards nothing */
    public ControllerForwarder(RoutingControllerChannel channel) {
        this.channel = channel;
        this.thread = channel == null ? null : new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread t = new Thread(r, "weir-controller-forwarder");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** The active controller's answer to {@code request}, or a failed future when it cannot be had. */
    public CompletableFuture<AbstractResponse> forward(AbstractRequest.Builder<?> request) {
        if (thread == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("forwarding is off"));
        }
        CompletableFuture<AbstractResponse> answer = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    answer.complete(channel.forward(request));
                } catch (Exception e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            answer.completeExceptionally(e);
        }
        return answer;
    }

    /**
     * The active controller's answer to {@code request}, or {@code otherwise}'s when it cannot be
     * had (no active controller reachable, the queue full): the one way admin handlers on a
     * non-active node forward. {@code otherwise} typically answers NOT_CONTROLLER, or handles
     * the request locally where the controller itself will say so.
     */
    public CompletableFuture<AbstractResponse> forwardOr(AbstractRequest.Builder<?> request,
                                                         Supplier<CompletableFuture<AbstractResponse>> otherwise) {
        return forward(request).handle((forwarded, error) -> error == null
                        ? CompletableFuture.completedFuture(forwarded) : otherwise.get())
                .thenCompose(answer -> answer);
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
            channel.close();
        }
    }
}
