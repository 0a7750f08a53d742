package io.weir.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * One client connection: decodes request frames with kafka-clients' classes, hands them to the
 * dispatcher off the event loop, and writes responses strictly in request order (clients
 * pipeline requests and match responses by order). Anything it cannot parse closes the
 * connection; nothing here throws into Netty.
 *
 * <p>The in-flight queue is touched only on this channel's event loop.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);
    private static final ListenerName LISTENER = ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT);

    /** A request waiting for its turn to be written. */
    private static final class InFlight {
        final ApiKeys api;
        final long arrivalNanos = System.nanoTime();
        boolean done;
        ByteBuffer response; // null with done = no response
        boolean close;

        InFlight(ApiKeys api) {
            this.api = api;
        }
    }

    private final RequestDispatcher dispatcher;
    private final RequestObserver observer;
    private final SerialExecutor serial;
    private final int maxInFlight;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private String connectionId = "unconnected";
    private InetSocketAddress remote;
    private boolean closing;

    KafkaConnection(RequestDispatcher dispatcher, RequestObserver observer, Executor handlerPool, int maxInFlight) {
        this.dispatcher = dispatcher;
        this.observer = observer;
        this.serial = new SerialExecutor(handlerPool);
        this.maxInFlight = maxInFlight;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        remote = (InetSocketAddress) ctx.channel().remoteAddress();
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        connectionId = local.getAddress().getHostAddress() + ":" + local.getPort() + "-"
                + remote.getAddress().getHostAddress() + ":" + remote.getPort() + "-" + ctx.channel().id().asShortText();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ((ByteBuf) msg).release();
            return;
        }
        ByteBuffer buffer = copyAndRelease((ByteBuf) msg);
        observer.bytesIn(buffer.remaining() + Integer.BYTES);
        RequestContext context;
        AbstractRequest request;
        try {
            RequestHeader header = RequestHeader.parse(buffer);
            ApiKeys apiKey = header.apiKey();
            // ApiVersions of any version is always answered (with UNSUPPORTED_VERSION and our range
            // if need be) so that newer clients can downgrade; anything else unsupported closes.
            if (apiKey != ApiKeys.API_VERSIONS && !dispatcher.isSupported(apiKey, header.apiVersion())) {
                log.info("Closing {}: unsupported {} version {}", connectionId, apiKey, header.apiVersion());
                closeNow(ctx);
                return;
            }
            context = new RequestContext(header, connectionId, remote.getAddress(), Optional.of(remote.getPort()),
                    KafkaPrincipal.ANONYMOUS, LISTENER, SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
            request = context.parseRequest(buffer).request;
        } catch (RuntimeException e) {
            log.info("Closing {}: malformed request ({})", connectionId, e.toString());
            closeNow(ctx);
            return;
        }

        InFlight slot = new InFlight(context.header.apiKey());
        inFlight.add(slot);
        if (inFlight.size() >= maxInFlight) ctx.channel().config().setAutoRead(false);
        serial.execute(() -> {
            CompletableFuture<AbstractResponse> future;
            try {
                future = dispatcher.dispatch(context, request);
            } catch (Throwable t) {
                future = CompletableFuture.failedFuture(t);
            }
            // Encode on the completing thread, not the event loop: big fetch responses copy records.
            future.whenComplete((response, error) -> {
                encode(slot, context, request, response, error);
                ctx.executor().execute(() -> completed(ctx, slot));
            });
        });
    }

    private static ByteBuffer copyAndRelease(ByteBuf frame) {
        try {
            ByteBuffer copy = ByteBuffer.allocate(frame.readableBytes());
            frame.readBytes(copy);
            return copy.flip();
        } finally {
            frame.release();
        }
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
                log.warn("Error handling {} from {} (correlation id {})", context.header.apiKey(), connectionId,
                        context.correlationId(), cause);
                response = request.getErrorResponse(cause);
            }
            if (response != null) slot.response = context.buildResponseEnvelopePayload(response);
        } catch (RuntimeException e) {
            log.error("Cannot encode {} response for {}; closing", context.header.apiKey(), connectionId, e);
            slot.response = null;
            slot.close = true;
        }
    }

    private void completed(ChannelHandlerContext ctx, InFlight slot) {
        slot.done = true;
        boolean wrote = false;
        while (!inFlight.isEmpty() && inFlight.peek().done) {
            InFlight head = inFlight.poll();
            if (closing) continue;
            observer.completed(head.api, head.response == null ? 0 : head.response.remaining() + Integer.BYTES,
                    System.nanoTime() - head.arrivalNanos);
            if (head.response != null) {
                ByteBuf size = Unpooled.buffer(Integer.BYTES).writeInt(head.response.remaining());
                ctx.write(Unpooled.wrappedBuffer(size, Unpooled.wrappedBuffer(head.response)), ctx.voidPromise());
                wrote = true;
            }
            if (head.close) {
                closing = true;
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                wrote = false;
            }
        }
        if (wrote) ctx.flush();
        if (!closing && !ctx.channel().config().isAutoRead() && inFlight.size() < maxInFlight) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void closeNow(ChannelHandlerContext ctx) {
        closing = true;
        ctx.close();
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
