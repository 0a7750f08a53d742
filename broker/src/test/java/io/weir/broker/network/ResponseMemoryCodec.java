package io.weir.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/** The connection's part of a response's life, for tests outside this package. */
public final class ResponseMemoryCodec {
    private ResponseMemoryCodec() {
    }

    /** As {@code KafkaConnection} encodes a handler's response. */
    public static ByteBuf encode(ByteBufAllocator alloc, RequestHeader header, AbstractResponse response,
                                 ResponseMemory memory) {
        ResponseHeader responseHeader = header.toResponseHeader();
        return ResponseEncoder.encode(alloc, responseHeader.data(), responseHeader.headerVersion(), response.data(),
                header.apiVersion(), memory);
    }

    /** As {@code KafkaConnection} does once the response is encoded (or failed to). */
    public static void close(ResponseMemory memory) {
        memory.close();
    }

    /** A fetch response frame read back as a client would (size prefix and header skipped). */
    public static FetchResponseData parseFetch(ByteBuf frame, short version) {
        byte[] bytes = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), bytes);
        ByteBuffer buffer = ByteBuffer.wrap(bytes, Integer.BYTES, bytes.length - Integer.BYTES);
        ResponseHeader.parse(buffer, ApiKeys.FETCH.responseHeaderVersion(version));
        return new FetchResponseData(new ByteBufferAccessor(buffer), version);
    }
}
