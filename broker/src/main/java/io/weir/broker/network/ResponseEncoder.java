package io.weir.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.UnalignedMemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.ResponseHeader;

import java.nio.ByteBuffer;

/**
 * Encodes a response as its wire frame (4-byte size, header, body) into a Netty buffer without
 * copying its records: the fixed fields go into one pooled direct buffer and every records field
 * becomes its own component of a {@link CompositeByteBuf}, as Kafka's {@code SendBuilder} does for
 * its zero-copy {@code Send}. The bytes are exactly those of
 * {@code RequestContext.buildResponseEnvelopePayload} behind a size prefix ({@code ResponseEncoderTest}).
 *
 * <p>The caller owns the returned buffer (one reference): writing it to the channel hands it over,
 * anything else must release it. Records in a {@link ResponseMemory} buffer become retained slices
 * of it, so the frame keeps that memory until it is written or released; other records' buffers are
 * wrapped, not retained: they must not be reused until the write is done, which holds because a
 * response's records are its own copy.
 */
final class ResponseEncoder {
    private ResponseEncoder() {
    }

    /** The frame of {@code response} to the request of {@code context}, size prefix included. */
    static ByteBuf encode(ByteBufAllocator alloc, RequestContext context, AbstractResponse response) {
        return encode(alloc, context, response, null);
    }

    /** With the records of {@code memory} (may be null) as retained slices of its buffers. */
    static ByteBuf encode(ByteBufAllocator alloc, RequestContext context, AbstractResponse response,
                          ResponseMemory memory) {
        ResponseHeader header = context.header.toResponseHeader();
        return encode(alloc, header.data(), header.headerVersion(), response.data(), context.apiVersion(), memory);
    }

    static ByteBuf encode(ByteBufAllocator alloc, Message header, short headerVersion, Message body, short version) {
        return encode(alloc, header, headerVersion, body, version, null);
    }

    static ByteBuf encode(ByteBufAllocator alloc, Message header, short headerVersion, Message body, short version,
                          ResponseMemory memory) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, version);
        FrameWriter writer = new FrameWriter(alloc, Integer.BYTES + size.sizeExcludingZeroCopy(), memory);
        try {
            writer.writeInt(size.totalSize());
            header.write(writer, cache, headerVersion);
            body.write(writer, cache, version);
            ByteBuf frame = writer.finish();
            if (frame.readableBytes() != Integer.BYTES + size.totalSize()) {
                int written = frame.readableBytes();
                frame.release();
                throw new IllegalStateException("encoded " + written + " bytes for a frame of "
                        + (Integer.BYTES + size.totalSize()));
            }
            return frame;
        } catch (RuntimeException | Error e) {
            // An Error too (no direct memory for a copied part): the slices already taken of the
            // records' buffers must be released, or those buffers are never freed.
            writer.discard();
            throw e;
        }
    }

    /**
     * A {@link Writable} over Netty buffers: fixed fields into {@code fixed}, records as components.
     * Every finished stretch of {@code fixed} joins the composite as a retained slice, so the
     * composite holds the only references once {@link #finish()} drops the writer's own.
     */
    private static final class FrameWriter implements Writable {
        private final ByteBuf fixed;
        private final CompositeByteBuf out;
        private final ResponseMemory memory;
        private final ByteBufAllocator alloc;
        private int segmentStart;
        private boolean finished;

        FrameWriter(ByteBufAllocator alloc, int fixedBytes, ResponseMemory memory) {
            this.memory = memory;
            this.alloc = alloc;
            // A component per records field and per stretch between them: a fetch of N partitions
            // has about 2N; never let Netty consolidate them, that would be the copy we avoid.
            this.out = alloc.compositeDirectBuffer(Integer.MAX_VALUE);
            this.fixed = alloc.directBuffer(fixedBytes);
        }

        @Override
        public void writeByte(byte val) {
            fixed.writeByte(val);
        }

        @Override
        public void writeShort(short val) {
            fixed.writeShort(val);
        }

        @Override
        public void writeInt(int val) {
            fixed.writeInt(val);
        }

        @Override
        public void writeLong(long val) {
            fixed.writeLong(val);
        }

        @Override
        public void writeDouble(double val) {
            fixed.writeDouble(val);
        }

        @Override
        public void writeByteArray(byte[] arr) {
            fixed.writeBytes(arr);
        }

        @Override
        public void writeUnsignedVarint(int i) {
            // ByteUtils' encoding (LEB128; zig-zag for the signed forms)
            int value = i;
            while ((value & 0xffffff80) != 0L) {
                fixed.writeByte((byte) ((value & 0x7f) | 0x80));
                value >>>= 7;
            }
            fixed.writeByte((byte) value);
        }

        @Override
        public void writeVarint(int i) {
            writeUnsignedVarint((i << 1) ^ (i >> 31));
        }

        @Override
        public void writeVarlong(long i) {
            long value = (i << 1) ^ (i >> 63);
            while ((value & 0xffffffffffffff80L) != 0L) {
                fixed.writeByte((byte) ((value & 0x7f) | 0x80));
                value >>>= 7;
            }
            fixed.writeByte((byte) value);
        }

        @Override
        public void writeByteBuffer(ByteBuffer buf) {
            // bytes fields (SASL tokens, metadata blobs) are small: copying keeps one lifetime rule
            fixed.writeBytes(buf.duplicate());
        }

        @Override
        public void writeRecords(BaseRecords records) {
            ByteBuffer bytes;
            if (records instanceof MemoryRecords) {
                bytes = ((MemoryRecords) records).buffer();
            } else if (records instanceof UnalignedMemoryRecords) {
                bytes = ((UnalignedMemoryRecords) records).buffer();
            } else {
                throw new UnsupportedOperationException("cannot encode records of type " + records.getClass());
            }
            if (!bytes.hasRemaining()) return;
            flushSegment();
            out.addComponent(true, part(bytes));
        }

        /**
         * The records' own buffer when a {@link ResponseMemory} holds it (retained), else a wrapper.
         * Direct records that a response's memory does not hold are copied instead: they may be
         * freed memory once that memory closes, and a wrapper would not keep them.
         */
        private ByteBuf part(ByteBuffer bytes) {
            ByteBuf owned = memory == null ? null : memory.retainedPart(bytes);
            if (owned != null) return owned;
            if (memory != null && bytes.isDirect()) {
                ByteBuf copy = alloc.directBuffer(bytes.remaining());
                return copy.writeBytes(bytes.duplicate());
            }
            return Unpooled.wrappedBuffer(bytes.duplicate());
        }

        private void flushSegment() {
            int end = fixed.writerIndex();
            if (end > segmentStart) {
                out.addComponent(true, fixed.retainedSlice(segmentStart, end - segmentStart));
                segmentStart = end;
            }
        }

        ByteBuf finish() {
            flushSegment();
            finished = true;
            fixed.release();
            return out;
        }

        void discard() {
            if (finished) return;
            finished = true;
            fixed.release();
            out.release();
        }
    }
}
