package io.weir.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: decodes request frames with kafka-clients' classes, hands them to the
 * dispatcher off the event loop, and writes responses strictly in request order (clients
 * pipeline requests and match responses by order). Anything it cannot parse closes the
 * connection; nothing here throws into Netty.
 *
 * <p>It holds each request's bytes in the node's {@link RequestMemoryPool} until the response is
 * written, and reads from the socket only while the pool is not full, this connection's
 * unanswered requests stay under {@code maxInFlight} and {@code maxInFlightBytes}, and its
 * unsent responses stay under Netty's write-buffer high-water mark (the channel is writable):
 * a client that sends requests but does not read the answers stops being read, as Kafka mutes
 * a channel until its response is sent, so it holds at most its in-flight requests' answers.
 *
 * <p>The in-flight queue is touched only on this channel's event loop; the volatile fields are
 * read by {@link KafkaServer}'s sweep.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);
    private static final RateLimitedLog HANDLER_ERRORS = new RateLimitedLog(log);

    /** A request waiting for its turn to be written. */
    private static final class InFlight {
        final ApiKeys api;
        final long arrivalNanos = System.nanoTime();
        final long reservedBytes;
        boolean done;
        ByteBuf response; // the whole frame, size prefix included; null with done = no response
        int throttleMs;
        boolean close;
        boolean closeAfterResponse; // a failed SASL exchange: answered, then closed

        InFlight(ApiKeys api, long reservedBytes) {
            this.api = api;
            this.reservedBytes = reservedBytes;
        }
    }

    private final RequestDispatcher dispatcher;
    private final RequestObserver observer;
    private final SerialExecutor serial;
    private final int maxInFlight;
    private final long maxInFlightBytes;
    private final RequestMemoryPool pool;
    private final Listener listener;
    private final FrameDecoder decoder;
    private final SaslSession sasl;
    private final ListenerSecurity security;
    private final ListenerName listenerName;
    private volatile KafkaPrincipal tlsPrincipal; // null until the first request after the TLS handshake
    private final boolean probation;
    private final long acceptedNanos = System.nanoTime();
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** Requests read but not yet handled, past this connection's bounds (see {@link #mayHandle()}). */
    private final ArrayDeque<FrameDecoder.Frame> waiting = new ArrayDeque<>();
    private long inFlightBytes;
    private String connectionId = "unconnected";
    private InetSocketAddress remote;
    private ChannelHandlerContext ctx;
    private boolean closing;
    /** Removed from the pipeline: responses encoded after this are released, not written. */
    private boolean removed;
    /** Not read until then: the client was told to wait out a quota ({@code throttle_time_ms}). */
    private long throttledUntilNanos = Long.MIN_VALUE;
    private volatile boolean identified;
    /** A SASL exchange completed (SASL listeners serve nothing else before); set on the handler thread. */
    private volatile boolean saslDone;
    private volatile boolean interBroker;
    private volatile boolean pausedForMemory;
    private volatile boolean memoryHold;

    /** What the connection tells the server it belongs to. */
    interface Listener {
        void opened(KafkaConnection connection);

        void closed(KafkaConnection connection);

        /** A request released pool memory down to the low-water mark: paused connections may read. */
        void poolDrained();

        /** A connection on probation turned out not to be a broker's. */
        void probationFailed(KafkaConnection connection, String clientId);

        /** A request could not be parsed or is of an unsupported version. */
        void rejected(KafkaConnection connection, String reason);
    }

    KafkaConnection(RequestDispatcher dispatcher, RequestObserver observer, Executor handlerPool, int maxInFlight,
                    long maxInFlightBytes, RequestMemoryPool pool, FrameDecoder decoder, boolean probation,
                    Listener listener, SaslMechanisms saslMechanisms, ListenerSecurity security) {
        this.sasl = new SaslSession(saslMechanisms, security.maxReauthMs(), System::nanoTime);
        this.security = security;
        this.listenerName = security.listenerName();
        this.dispatcher = dispatcher;
        this.observer = observer;
        this.serial = new SerialExecutor(handlerPool);
        this.maxInFlight = maxInFlight;
        this.maxInFlightBytes = maxInFlightBytes;
        this.pool = pool;
        this.decoder = decoder;
        this.probation = probation;
        this.listener = listener;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        remote = (InetSocketAddress) ctx.channel().remoteAddress();
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        connectionId = local.getAddress().getHostAddress() + ":" + local.getPort() + "-"
                + remote.getAddress().getHostAddress() + ":" + remote.getPort() + "-" + ctx.channel().id().asShortText();
        if (pool.full()) holdForMemory(); // behind the connections already waiting
        listener.opened(this);
        updateAutoRead();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        FrameDecoder.Frame frame = (FrameDecoder.Frame) msg;
        if (closing) {
            release(frame.reservedBytes());
            return;
        }
        // One socket read can hold many small requests: past this connection's bounds they wait
        // here, in order, already counted in the memory pool, instead of all being handled at once.
        if (!waiting.isEmpty() || !mayHandle()) {
            waiting.add(frame);
        } else {
            handle(ctx, frame);
        }
        updateAutoRead();
    }

    private void handle(ChannelHandlerContext ctx, FrameDecoder.Frame frame) {
        ByteBuffer buffer = frame.payload();
        observer.bytesIn(buffer.remaining() + Integer.BYTES);
        if (sasl.awaitsRawToken()) {
            handleRawToken(ctx, frame);
            return;
        }
        RequestContext context;
        AbstractRequest request;
        try {
            RequestHeader header = RequestHeader.parse(buffer);
            ApiKeys apiKey = header.apiKey();
            if (!identified) {
                interBroker = InterBroker.isInterBroker(header.clientId());
                identified = true;
                if (probation && !interBroker) {
                    listener.probationFailed(this, header.clientId());
                    release(frame.reservedBytes());
                    closeNow(ctx);
                    return;
                }
            }
            boolean saslApi = apiKey == ApiKeys.SASL_HANDSHAKE || apiKey == ApiKeys.SASL_AUTHENTICATE;
            if (security.requiresSasl() && !saslApi && apiKey != ApiKeys.API_VERSIONS && !saslDone) {
                // As Kafka: on a SASL listener nothing else is served before authentication.
                reject(ctx, frame, "unexpected " + apiKey + " before SASL authentication on " + security.name());
                return;
            }
            // ApiVersions of any version is always answered (with UNSUPPORTED_VERSION and our range
            // if need be) so that newer clients can downgrade; anything else unsupported closes.
            if (apiKey != ApiKeys.API_VERSIONS && !dispatcher.isSupported(apiKey, header.apiVersion())) {
                reject(ctx, frame, "unsupported " + apiKey + " version " + header.apiVersion());
                return;
            }
            context = context(header, KafkaPrincipal.ANONYMOUS, new ResponseMemory(ctx.alloc()));
            request = context.parseRequest(buffer).request;
        } catch (RuntimeException e) {
            reject(ctx, frame, "malformed request (" + e + ")");
            return;
        }

        InFlight slot = new InFlight(context.header.apiKey(), frame.reservedBytes());
        inFlight.add(slot);
        inFlightBytes += slot.reservedBytes;
        serial.execute(() -> {
            CompletableFuture<AbstractResponse> future;
            try {
                if (request.apiKey() == ApiKeys.SASL_HANDSHAKE || request.apiKey() == ApiKeys.SASL_AUTHENTICATE) {
                    SaslSession.Reply reply = sasl.handle(request);
                    slot.closeAfterResponse = reply.close();
                    if (sasl.principal() != KafkaPrincipal.ANONYMOUS) saslDone = true;
                    future = CompletableFuture.completedFuture(reply.response());
                } else if (sasl.expired()) {
                    future = CompletableFuture.failedFuture(new CloseConnectionException(
                            "SASL session expired without re-authentication (connections.max.reauth.ms)"));
                } else {
                    // The principal as of this request's turn: an exchange that completed just
                    // before it counts, though the request was parsed earlier.
                    KafkaPrincipal principal = principal();
                    future = dispatcher.dispatch(principal == KafkaPrincipal.ANONYMOUS ? context
                            : context(context.header, principal, ResponseMemory.of(context)), request);
                }
            } catch (Throwable t) {
                future = CompletableFuture.failedFuture(t);
            }
            // Encode on the completing thread, not the event loop: the fixed fields of a big
            // response still take a while to write. (Fetched records are in direct memory already,
            // ResponseMemory; Netty's NIO transport would copy a frame with heap parts on the event loop.)
            future.whenComplete((response, error) -> {
                try {
                    encode(slot, context, request, response, error);
                } finally {
                    // Whatever encode threw (an Error such as OutOfDirectMemoryError included), the
                    // slot completes: the responses queued behind it on this connection must not wait.
                    try {
                        ctx.executor().execute(() -> completed(ctx, slot));
                    } catch (RejectedExecutionException shuttingDown) {
                        releaseResponse(slot);
                    }
                }
            });
        });
    }

    /** A bare SASL token after a v0 SaslHandshake: the challenge goes back framed on its own. */
    private void handleRawToken(ChannelHandlerContext ctx, FrameDecoder.Frame frame) {
        InFlight slot = new InFlight(ApiKeys.SASL_AUTHENTICATE, frame.reservedBytes());
        inFlight.add(slot);
        inFlightBytes += slot.reservedBytes;
        serial.execute(() -> {
            slot.response = sasl.rawToken(frame.payload()).map(KafkaConnection::framed).orElse(null);
            slot.close = slot.response == null;
            if (sasl.principal() != KafkaPrincipal.ANONYMOUS) saslDone = true;
            ctx.executor().execute(() -> completed(ctx, slot));
        });
    }

    private static ByteBuf framed(ByteBuffer payload) {
        ByteBuf size = Unpooled.buffer(Integer.BYTES).writeInt(payload.remaining());
        return Unpooled.wrappedBuffer(size, Unpooled.wrappedBuffer(payload));
    }

    private RequestContext context(RequestHeader header, KafkaPrincipal principal, ResponseMemory memory) {
        return new ConnectionRequestContext(header, connectionId, remote.getAddress(), remote.getPort(),
                principal, listenerName, security.protocol(), memory);
    }

    /**
     * Who this connection is: its SASL identity once authenticated, else its TLS client
     * certificate's distinguished name ({@code User:CN=...}, Kafka's default principal builder),
     * else ANONYMOUS.
     */
    private KafkaPrincipal principal() {
        KafkaPrincipal fromSasl = sasl.principal();
        if (fromSasl != KafkaPrincipal.ANONYMOUS) return fromSasl;
        KafkaPrincipal fromTls = tlsPrincipal;
        if (fromTls == null) {
            tlsPrincipal = fromTls = ListenerSecurity.tlsPrincipal(ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class));
        }
        return fromTls;
    }

    /**
     * Reads from the socket only while this connection may: Netty then neither reads nor
     * allocates for it, so the bytes wait in the kernel's socket buffer (and, once that is full,
     * in the client). Runs on the event loop.
     */
    private void updateAutoRead() {
        pausedForMemory = interBroker ? pool.exhausted(true) : memoryHold;
        boolean read = !closing && waiting.isEmpty() && mayHandle() && !pausedForMemory;
        if (ctx.channel().config().isAutoRead() != read) ctx.channel().config().setAutoRead(read);
    }

    /**
     * Whether another request may be handled now: fewer than {@code maxInFlight} unanswered
     * requests and {@code maxInFlightBytes} of them, unsent responses under Netty's write-buffer
     * high-water mark, and no quota throttle in force.
     */
    private boolean mayHandle() {
        return inFlight.size() < maxInFlight && inFlightBytes < maxInFlightBytes && ctx.channel().isWritable()
                && !throttled();
    }

    /** Handles the requests that waited, in order, while the bounds allow; then reads again if they do. Event loop. */
    private void handleWaiting() {
        while (!closing && !waiting.isEmpty() && mayHandle()) handle(ctx, waiting.poll());
        updateAutoRead();
    }

    /**
     * Stops reading because the memory pool is full, until {@link #releaseMemoryHold()}; any
     * thread. Takes effect at once rather than when a task runs: Netty checks the flag before each
     * read, so channels the event loop would read later in the same pass no longer read past the
     * bound. Inter-broker connections are not held; they stop only past the brokers' head-room.
     */
    void holdForMemory() {
        if (ctx == null || interBroker) return;
        memoryHold = true;
        ctx.channel().config().setAutoRead(false);
    }

    /** Lets a held connection read again; any thread. */
    void releaseMemoryHold() {
        memoryHold = false;
        onEventLoop(this::updateAutoRead);
    }

    boolean heldForMemory() {
        return memoryHold;
    }

    /** A hold lost to a race with the event loop, or a broker's pause the pool no longer needs; any thread. */
    boolean memoryPauseStale() {
        if (ctx == null) return false;
        if (interBroker) return pausedForMemory != pool.exhausted(true);
        return memoryHold && ctx.channel().config().isAutoRead();
    }

    /** Re-applies the memory state (see {@link #memoryPauseStale()}); any thread. */
    void refreshMemoryPause() {
        if (memoryHold) holdForMemory();
        onEventLoop(this::updateAutoRead);
    }

    /** Unsent responses crossed the high- or low-water mark: stop or resume reading. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        handleWaiting();
        super.channelWritabilityChanged(ctx);
    }

    private void onEventLoop(Runnable task) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException shuttingDown) {
            // the listener is closing; so is this connection
        }
    }

    private void release(long bytes) {
        if (bytes > 0 && pool.release(bytes)) listener.poolDrained();
    }

    private void encode(InFlight slot, RequestContext context, AbstractRequest request,
                        AbstractResponse response, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        try {
            if (cause instanceof CloseConnectionException) {
                log.debug("Closing {} after {}: {}", connectionId, context.header.apiKey(), cause.getMessage());
                slot.close = true;
                return;
            }
            if (cause != null) {
                // A handler's bug is worth a stack trace, but once per kind and interval: a client
                // that keeps sending the request that triggers it must not drown the log.
                HANDLER_ERRORS.warn(context.header.apiKey() + cause.getClass().getName(),
                        "Error handling {} from {} (correlation id {})", context.header.apiKey(), connectionId,
                        context.correlationId(), cause);
                response = request.getErrorResponse(cause instanceof InternalError
                        // A faulted access to a memory-mapped file (SIGBUS: its disk is full)
                        // surfaces at a later safepoint, wherever the handler is: answer as the
                        // storage failure it is, which clients retry, not UNKNOWN_SERVER_ERROR.
                        ? new KafkaStorageException("a storage access failed: " + cause, cause)
                        : cause);
            }
            if (response != null) {
                slot.throttleMs = response.throttleTimeMs();
                // Records are not copied here: they become parts of the frame (ResponseEncoder).
                slot.response = ResponseEncoder.encode(ctx.alloc(), context, response, ResponseMemory.of(context));
            }
            if (slot.closeAfterResponse) slot.close = true;
        } catch (RuntimeException | Error e) {
            HANDLER_ERRORS.log(Level.ERROR, "encode" + context.header.apiKey() + e.getClass().getName(),
                    "Cannot encode {} response for {}; closing", context.header.apiKey(), connectionId, e);
            slot.response = null;
            slot.close = true;
        } finally {
            // The frame holds its own references to the read memory it carries; the rest is freed.
            ResponseMemory memory = ResponseMemory.of(context);
            if (memory != null) memory.close();
        }
    }

    private void completed(ChannelHandlerContext ctx, InFlight slot) {
        slot.done = true;
        if (removed) { // the connection went away while this request was handled
            releaseResponse(slot);
            return;
        }
        boolean wrote = false;
        while (!inFlight.isEmpty() && inFlight.peek().done) {
            InFlight head = inFlight.poll();
            inFlightBytes -= head.reservedBytes;
            release(head.reservedBytes);
            if (closing) {
                releaseResponse(head);
                continue;
            }
            observer.completed(head.api, head.response == null ? 0 : head.response.readableBytes(),
                    System.nanoTime() - head.arrivalNanos);
            if (head.response != null) {
                ByteBuf frame = head.response;
                head.response = null; // the channel owns it now
                ctx.write(frame, ctx.voidPromise());
                wrote = true;
                if (head.throttleMs > 0) throttle(head.throttleMs);
            }
            if (head.close) {
                closing = true;
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                wrote = false;
            }
        }
        if (wrote) ctx.flush();
        handleWaiting();
    }

    /** Frees a response that will not be written (pooled direct memory); event loop. */
    private static void releaseResponse(InFlight slot) {
        if (slot.response != null) {
            slot.response.release();
            slot.response = null;
        }
    }

    /**
     * Stops reading for {@code ms}, as Kafka mutes a throttled client's channel: the answer that
     * carries the throttle time still goes out. Runs on the event loop.
     */
    private void throttle(int ms) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        if (throttledUntilNanos != Long.MIN_VALUE && throttledUntilNanos - until >= 0) return;
        throttledUntilNanos = until;
        ctx.executor().schedule(this::handleWaiting, ms, TimeUnit.MILLISECONDS);
    }

    private boolean throttled() {
        return throttledUntilNanos != Long.MIN_VALUE && System.nanoTime() - throttledUntilNanos < 0;
    }

    private void reject(ChannelHandlerContext ctx, FrameDecoder.Frame frame, String reason) {
        listener.rejected(this, reason);
        release(frame.reservedBytes());
        closeNow(ctx);
    }

    private void closeNow(ChannelHandlerContext ctx) {
        closing = true;
        ctx.close();
    }

    /** Closes from outside the event loop (the server's sweep); any thread. */
    void close() {
        ctx.channel().close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        closing = true;
        removed = true;
        long held = 0;
        for (InFlight slot : inFlight) {
            held += slot.reservedBytes;
            if (slot.done) releaseResponse(slot); // the rest are released as they complete
        }
        for (FrameDecoder.Frame frame : waiting) held += frame.reservedBytes();
        inFlight.clear();
        waiting.clear();
        inFlightBytes = 0;
        release(held);
        listener.closed(this);
    }

    String connectionId() {
        return connectionId;
    }

    InetSocketAddress remote() {
        return remote;
    }

    boolean interBroker() {
        return interBroker;
    }

    /** On probation (admitted past a connection limit) and not yet shown to be a broker's. */
    boolean unprovenProbation() {
        return probation && !identified;
    }

    long acceptedNanos() {
        return acceptedNanos;
    }

    FrameDecoder decoder() {
        return decoder;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            log.debug("Closing idle connection {}", connectionId);
            closeNow(ctx);
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Closing {} after I/O error: {}", connectionId, cause.toString());
        closeNow(ctx);
    }
}
