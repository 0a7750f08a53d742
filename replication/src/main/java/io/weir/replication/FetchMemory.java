package io.weir.replication;

import java.nio.ByteBuffer;

/**
 * Memory a fetch's reads copy records into, chosen and freed by the caller: the broker passes
 * pooled direct memory owned by the response it builds, so the records reach the socket without
 * another copy; storage's {@code ReadMemory} with the broker kept out of storage (ModuleRulesTest).
 */
@FunctionalInterface
public interface FetchMemory {
    /**
     * A buffer of {@code capacity} bytes, heap or direct, position 0, limit {@code capacity},
     * big-endian, valid and unshared until the caller is done with the read's records.
     */
    ByteBuffer allocate(int capacity);

    /** Garbage-collected heap buffers. */
    FetchMemory HEAP = ByteBuffer::allocate;
}
