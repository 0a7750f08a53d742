package io.weir.storage;

import java.nio.ByteBuffer;

/**
 * Where a read copies stored batches: memory the caller chooses and frees. The network layer
 * passes pooled direct memory that it writes to the socket without another copy and releases
 * once the response is written or dropped; storage only fills it and never frees it, so it needs
 * no network library. A read asks for at most one buffer and fills it from position 0.
 */
@FunctionalInterface
public interface ReadMemory {
    /**
     * A buffer of {@code capacity} bytes, heap or direct, position 0, limit {@code capacity}, big-endian.
     * It must stay valid and unshared until the caller is done with the read's records.
     */
    ByteBuffer allocate(int capacity);

    /** Garbage-collected heap buffers, for readers that keep or decode the records. */
    ReadMemory HEAP = ByteBuffer::allocate;
}
