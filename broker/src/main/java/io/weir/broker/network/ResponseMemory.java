package io.weir.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import io.weir.replication.FetchMemory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.requests.RequestContext;

/**
 * The pooled direct memory of one request's response: reads copy records into a {@link Lease}'s
 * buffers, the handler {@linkplain #attach attaches} the lease whose records its response
 * carries, the {@link ResponseEncoder} makes each such records field a retained slice of its buffer,
 * and the connection {@linkplain #close closes} this once the response is encoded (or was never
 * built), dropping the leases' own references. The memory is then freed exactly when the frame
 * holding the slices is written or released, and a lease that no response took is freed at once.
 * Netty's NIO transport writes direct memory as it is; heap records it first copies on the event loop.
 *
 * <p>Thread-safe: a parked fetch attaches on the purgatory's thread, the connection closes on the
 * completing one. A handler that is not given one (a test, an internal caller) reads into the heap.
 */
public final class ResponseMemory {
    private final ByteBufAllocator alloc;
    private final List<Lease> attached = new ArrayList<>(2);
    private boolean closed;

    public ResponseMemory(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** The memory of the response to {@code context}'s request, or null (read into the heap). */
    public static ResponseMemory of(RequestContext context) {
        return context instanceof ConnectionRequestContext c ? c.memory() : null;
    }

    /** A new lease for one pass of reads; its owner closes it unless {@link #attach} took it. */
    public Lease lease() {
        return new Lease(alloc);
    }

    /**
     * Hands {@code lease} to the response: its buffers live until the response's frame is written
     * or dropped. False, and the lease closed, if the response was already encoded: its records
     * must not be answered.
     */
    public boolean attach(Lease lease) {
        synchronized (this) {
            if (!closed) {
                attached.add(lease);
                return true;
            }
        }
        lease.close();
        return false;
    }

    /**
     * A retained slice of the attached buffer that holds {@code records}' readable bytes, or null
     * if no attached lease owns them (heap records, or records some other reader made).
     */
    synchronized ByteBuf retainedPart(ByteBuffer records) {
        if (closed || !records.isDirect() || attached.isEmpty()) return null;
        long address = PlatformDependent.directBufferAddress(records) + records.position();
        for (Lease lease : attached) {
            ByteBuf part = lease.retainedPart(address, records.remaining());
            if (part != null) return part;
        }
        return null;
    }

    /** Drops the leases' references; the frame's slices keep theirs. Idempotent; any thread. */
    void close() {
        List<Lease> leases;
        synchronized (this) {
            if (closed) return;
            closed = true;
            leases = List.copyOf(attached);
            attached.clear();
        }
        for (Lease lease : leases) lease.close();
    }

    /**
     * Buffers for one pass of reads over a request's partitions, used by one thread at a time.
     * {@link #close} releases each buffer once; buffers asked for after it are heap buffers.
     */
    public static final class Lease implements FetchMemory, AutoCloseable {
        private final ByteBufAllocator alloc;
        /** By start address: a read of thousands of partitions has a buffer each, found again per field. */
        private final TreeMap<Long, ByteBuf> buffers = new TreeMap<>();
        private boolean closed;

        private Lease(ByteBufAllocator alloc) {
            this.alloc = alloc;
        }

        @Override
        public synchronized ByteBuffer allocate(int capacity) {
            if (closed) return ByteBuffer.allocate(capacity);
            ByteBuf buf = alloc.directBuffer(capacity, capacity);
            if (!buf.hasMemoryAddress() || buf.nioBufferCount() != 1) {
                // Without an address the encoder could not find it again: the heap then.
                buf.release();
                return ByteBuffer.allocate(capacity);
            }
            buffers.put(buf.memoryAddress(), buf);
            return buf.nioBuffer(0, capacity);
        }

        synchronized ByteBuf retainedPart(long address, int length) {
            Map.Entry<Long, ByteBuf> holder = buffers.floorEntry(address);
            if (holder == null) return null;
            long start = holder.getKey();
            ByteBuf buf = holder.getValue();
            return address + length <= start + buf.capacity()
                    ? buf.retainedSlice((int) (address - start), length) : null;
        }

        @Override
        public void close() {
            List<ByteBuf> toRelease;
            synchronized (this) {
                if (closed) return;
                closed = true;
                toRelease = List.copyOf(buffers.values());
                buffers.clear();
            }
            for (ByteBuf buf : toRelease) buf.release();
        }
    }
}
