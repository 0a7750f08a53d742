package io.weir.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Splits the byte stream into Kafka request frames: a 4-byte big-endian size, then that many
 * bytes. The size is checked before anything is buffered for it, so a negative or oversized
 * prefix closes the connection without allocating (Kafka's {@code InvalidReceiveException}).
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);

    private final int maxFrameBytes;

    FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < Integer.BYTES) return;
        int size = in.getInt(in.readerIndex());
        if (size < 0 || size > maxFrameBytes) {
            log.warn("Closing connection from {}: request size {} outside [0, {}] (socket.request.max.bytes)",
                    ctx.channel().remoteAddress(), size, maxFrameBytes);
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        if (in.readableBytes() < Integer.BYTES + size) return;
        in.skipBytes(Integer.BYTES);
        out.add(in.readRetainedSlice(size));
    }
}
