package io.weir.broker.network;

import io.netty.buffer.ByteBuf;
import io.weir.broker.testing.CountingAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.RequestUtils;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Who frees a fetch's read memory: every buffer a read takes is released exactly once, whether the
 * response carrying it is written, dropped, never built or fails to encode ({@link CountingAllocator}
 * throws on a second release and counts the missing ones).
 */
class ResponseMemoryTest {
    private static final short VERSION = ApiKeys.FETCH.latestVersion();
    private static final short HEADER_VERSION = ApiKeys.FETCH.responseHeaderVersion(VERSION);

    private final CountingAllocator alloc = new CountingAllocator();
    private final ResponseMemory memory = new ResponseMemory(alloc);

    @Test
    void attachedRecordsAreSlicesOfTheLeaseUntilTheFrameIsReleased() {
        ResponseMemory.Lease lease = memory.lease();
        MemoryRecords records = readInto(lease, "a", "b", "c");
        assertThat(records.buffer().isDirect()).isTrue();
        FetchResponseData body = fetch(records);
        assertThat(memory.attach(lease)).isTrue();

        ByteBuf frame = ResponseEncoder.encode(alloc, header(), HEADER_VERSION, body, VERSION, memory);
        memory.close();
        assertThat(alloc.unreleased()).as("the frame still holds the records").isPositive();
        // All direct: Netty's NIO transport writes it as it is, without a copy on the event loop.
        assertThat(frame.isDirect()).isTrue();
        assertThat(bytes(frame)).isEqualTo(kafkaBytes(body));

        frame.release();
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void aLeaseNoResponseTookIsFreedWhenItsReadIsDiscarded() {
        ResponseMemory.Lease discarded = memory.lease();
        readInto(discarded, "x");
        discarded.close();
        assertThat(alloc.unreleased()).isZero();
        discarded.close();
        memory.close();
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void partitionsTheResponseLeftOutAreFreedWhenTheMemoryCloses() {
        ResponseMemory.Lease lease = memory.lease();
        MemoryRecords answered = readInto(lease, "kept");
        readInto(lease, "left out by the fetch session");
        memory.attach(lease);
        ByteBuf frame = ResponseEncoder.encode(alloc, header(), HEADER_VERSION, fetch(answered), VERSION, memory);
        memory.close();
        assertThat(alloc.unreleased()).as("the answered records' buffer and the frame's own").isPositive();
        frame.release();
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void aLeaseAttachedAfterTheResponseWasEncodedIsRefusedAndFreed() {
        memory.close();
        ResponseMemory.Lease late = memory.lease();
        readInto(late, "late");
        assertThat(memory.attach(late)).isFalse();
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void aFailedEncodeFreesTheRecordsAndTheFrame() {
        ResponseMemory.Lease lease = memory.lease();
        FetchResponseData body = fetch(readInto(lease, "a", "b"));
        memory.attach(lease);
        alloc.failAfter(0);
        assertThatThrownBy(() -> ResponseEncoder.encode(alloc, header(), HEADER_VERSION, body, VERSION, memory))
                .isInstanceOf(OutOfMemoryError.class);
        memory.close(); // as the connection does, whatever encode threw
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void anEncodeFailingAfterItTookASliceOfTheRecordsFreesThem() {
        ResponseMemory.Lease lease = memory.lease();
        FetchResponseData body = fetch(readInto(lease, "a", "b"));
        ByteBuffer elsewhere = ByteBuffer.allocateDirect(1_000);
        elsewhere.put(records("not", "leased").buffer()).flip();
        FetchResponseData.FetchableTopicResponse topic = body.responses().get(0);
        topic.setPartitions(java.util.List.of(topic.partitions().get(0), new FetchResponseData.PartitionData()
                .setPartitionIndex(1).setHighWatermark(2).setRecords(MemoryRecords.readableRecords(elsewhere))));
        memory.attach(lease);
        // The lease's buffer and the frame's fixed part succeed; copying the second partition's
        // records, after the first's slice joined the frame, does not.
        assertThat(alloc.allocated()).isEqualTo(1);
        alloc.failAfter(1);
        assertThatThrownBy(() -> ResponseEncoder.encode(alloc, header(), HEADER_VERSION, body, VERSION, memory))
                .isInstanceOf(OutOfMemoryError.class);
        assertThat(alloc.allocated()).as("the fixed part was allocated, the copy refused").isEqualTo(2);
        memory.close(); // as the connection does, whatever encode threw
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void aFrameDroppedUnwrittenFreesItsRecords() {
        // The connection went away before the write: it releases the frame instead.
        ResponseMemory.Lease lease = memory.lease();
        FetchResponseData body = fetch(readInto(lease, "a"));
        memory.attach(lease);
        ByteBuf frame = ResponseEncoder.encode(alloc, header(), HEADER_VERSION, body, VERSION, memory);
        memory.close();
        memory.close();
        frame.release();
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void heapRecordsAreWrappedNotOwned() {
        FetchResponseData body = fetch(records("heap"));
        ByteBuf frame = ResponseEncoder.encode(alloc, header(), HEADER_VERSION, body, VERSION, memory);
        memory.close();
        assertThat(frame.isDirect()).isFalse();
        assertThat(bytes(frame)).isEqualTo(kafkaBytes(body));
        frame.release();
        assertThat(alloc.unreleased()).isZero();
    }

    @Test
    void directRecordsTheMemoryDoesNotHoldAreCopiedNotWrapped() {
        ByteBuffer elsewhere = ByteBuffer.allocateDirect(1_000);
        elsewhere.put(records("not", "leased").buffer()).flip();
        FetchResponseData body = fetch(MemoryRecords.readableRecords(elsewhere));
        byte[] expected = kafkaBytes(body);
        ByteBuf frame = ResponseEncoder.encode(alloc, header(), HEADER_VERSION, body, VERSION, memory);
        memory.close();
        elsewhere.clear().put(new byte[1_000]); // the frame must not see later changes
        assertThat(bytes(frame)).isEqualTo(expected);
        frame.release();
        assertThat(alloc.unreleased()).isZero();
    }

    /**
     * The encoder finds a lease's buffer again by address; with the allocators a channel really has
     * (Netty's default, the pooled one) it must, or the frame would point at freed memory.
     */
    @Test
    void recordsFromTheRealAllocatorsAreFoundAgain() {
        for (io.netty.buffer.ByteBufAllocator real : List.of(io.netty.buffer.ByteBufAllocator.DEFAULT,
                io.netty.buffer.PooledByteBufAllocator.DEFAULT, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT)) {
            ResponseMemory pooled = new ResponseMemory(real);
            ResponseMemory.Lease lease = pooled.lease();
            MemoryRecords first = readInto(lease, "a", "b");
            MemoryRecords second = readInto(lease, "c");
            pooled.attach(lease);
            for (MemoryRecords records : List.of(first, second)) {
                ByteBuf part = pooled.retainedPart(records.buffer());
                assertThat(part).as(real.toString()).isNotNull();
                assertThat(part.nioBuffer()).isEqualTo(records.buffer());
                part.release();
            }
            pooled.close();
        }
    }

    /** As storage does: one buffer from the lease, filled from position 0, then flipped. */
    private static MemoryRecords readInto(ResponseMemory.Lease lease, String... values) {
        ByteBuffer stored = records(values).buffer();
        ByteBuffer out = lease.allocate(stored.remaining() + 100);
        out.put(stored).flip();
        return MemoryRecords.readableRecords(out);
    }

    private static MemoryRecords records(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    private static FetchResponseData fetch(MemoryRecords records) {
        FetchResponseData data = new FetchResponseData().setErrorCode(Errors.NONE.code());
        data.responses().add(new FetchResponseData.FetchableTopicResponse()
                .setTopicId(org.apache.kafka.common.Uuid.randomUuid())
                .setPartitions(java.util.List.of(new FetchResponseData.PartitionData()
                        .setPartitionIndex(0).setHighWatermark(3).setRecords(records))));
        return data;
    }

    private static ResponseHeaderData header() {
        return new ResponseHeaderData().setCorrelationId(7);
    }

    private static byte[] kafkaBytes(FetchResponseData body) {
        ByteBuffer payload = RequestUtils.serialize(header(), HEADER_VERSION, body, VERSION);
        ByteBuffer framed = ByteBuffer.allocate(Integer.BYTES + payload.remaining());
        framed.putInt(payload.remaining()).put(payload.duplicate()).flip();
        return framed.array();
    }

    private static byte[] bytes(ByteBuf frame) {
        byte[] out = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), out);
        return out;
    }
}
