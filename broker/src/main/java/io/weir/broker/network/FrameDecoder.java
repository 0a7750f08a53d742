package io.weir.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.ByteBuffer;

/**
 * Splits the byte stream into Kafka request frames: a 4-byte big-endian size, then that many
 * bytes. A negative or oversized size ({@code socket.request.max.bytes}) closes the connection
 * (Kafka's {@code InvalidReceiveException}). Every byte held is counted in the node's
 * {@link RequestMemoryPool} as it arrives; the size prefix reserves nothing.
 *
 * <p>Why not Netty's {@code LengthFieldBasedFrameDecoder}: it accumulates a frame in a pooled
 * direct buffer that the allocator grows beyond what has arrived, out of sight of the memory
 * pool, and the complete frame must then be copied to the heap for kafka-clients' parsers. This
 * decoder copies each socket read once, into a heap buffer that grows (doubling, up to the
 * announced size) only as bytes arrive, hands that buffer on without a further copy, and exposes
 * the partial frame's age and size for the receive timeout and for shedding stalled requests
 * when the pool is full. Netty's read buffers are released as soon as they are copied, so direct
 * memory stays at a few socket reads however many connections stall mid-request.
 *
 * <p>State is written on the channel's event loop only; the two volatile fields are read by
 * {@link KafkaServer}'s sweep.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {
    /** The first body buffer; small requests (most of them) fit without growing. */
    private static final int INITIAL_CAPACITY = 4096;

    /** A complete frame and the bytes of the memory pool it holds until its request is answered. */
    record Frame(ByteBuffer payload, long reservedBytes) {
    }

    /** Why a connection is being closed, for the one log line that says so. */
    interface Rejections {
        void invalidSize(ChannelHandlerContext ctx, int size, int maxFrameBytes);
    }

    private final int maxFrameBytes;
    private final RequestMemoryPool pool;
    private final Runnable poolFull;
    private final Runnable poolDrained;
    private final Rejections rejections;
    private int sizeBytesRead;
    private int size;
    private ByteBuffer body;
    private long reserved;
    private boolean closed;
    private volatile long frameStartNanos;
    private volatile long partialBytes;

    /**
     * @param poolFull run when this decoder's reservation fills the pool (pauses ordinary connections)
     * @param poolDrained run when this decoder's release brings a full pool back to its low-water mark
     */
    FrameDecoder(int maxFrameBytes, RequestMemoryPool pool, Runnable poolFull, Runnable poolDrained,
                 Rejections rejections) {
        this.maxFrameBytes = maxFrameBytes;
        this.pool = pool;
        this.poolFull = poolFull;
        this.poolDrained = poolDrained;
        this.rejections = rejections;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            while (in.isReadable() && !closed) {
                if (sizeBytesRead < Integer.BYTES) {
                    readSize(ctx, in);
                } else {
                    readBody(ctx, in);
                }
            }
        } finally {
            in.release();
        }
    }

    private void readSize(ChannelHandlerContext ctx, ByteBuf in) {
        if (sizeBytesRead == 0) {
            frameStartNanos = System.nanoTime();
            reserve(Integer.BYTES);
        }
        while (sizeBytesRead < Integer.BYTES && in.isReadable()) {
            size = (size << 8) | in.readUnsignedByte();
            sizeBytesRead++;
        }
        partialBytes = sizeBytesRead;
        if (sizeBytesRead < Integer.BYTES) return;
        if (size < 0 || size > maxFrameBytes) {
            rejections.invalidSize(ctx, size, maxFrameBytes);
            closed = true;
            ctx.close();
            return;
        }
        body = ByteBuffer.allocate(0);
        if (size == 0) complete(ctx);
    }

    private void readBody(ChannelHandlerContext ctx, ByteBuf in) {
        int take = Math.min(in.readableBytes(), size - body.position());
        ensureCapacity(body.position() + take);
        int limit = body.position() + take;
        body.limit(limit);
        in.readBytes(body);
        body.limit(body.capacity());
        partialBytes = Integer.BYTES + (long) body.position();
        if (body.position() == size) complete(ctx);
    }

    /** Grows the body buffer geometrically, never past the announced size nor far past what arrived. */
    private void ensureCapacity(int needed) {
        if (needed <= body.capacity()) return;
        long doubled = Math.max(INITIAL_CAPACITY, 2L * body.capacity());
        int capacity = (int) Math.min(size, Math.max(needed, doubled));
        ByteBuffer grown = ByteBuffer.allocate(capacity);
        body.flip();
        grown.put(body);
        reserve(capacity - body.capacity());
        body = grown;
    }

    private void reserve(long bytes) {
        reserved += bytes;
        if (pool.reserve(bytes)) poolFull.run();
    }

    private void complete(ChannelHandlerContext ctx) {
        Frame frame = new Frame(body.flip(), reserved);
        body = null;
        reserved = 0;
        size = 0;
        sizeBytesRead = 0;
        partialBytes = 0;
        frameStartNanos = 0;
        ctx.fireChannelRead(frame);
    }

    /** When the request now being received started to arrive ({@link System#nanoTime()}), 0 when none is. */
    long partialFrameStartNanos() {
        return frameStartNanos;
    }

    /** Bytes of the request now being received that have arrived. */
    long partialFrameBytes() {
        return partialBytes;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        closed = true;
        body = null;
        frameStartNanos = 0;
        partialBytes = 0;
        if (reserved > 0) {
            long bytes = reserved;
            reserved = 0;
            if (pool.release(bytes)) poolDrained.run();
        }
    }
}
