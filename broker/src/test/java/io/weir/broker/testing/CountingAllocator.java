package io.weir.broker.testing;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it handed out, so a test can check that each was
 * released exactly once: a second release throws Netty's {@code IllegalReferenceCountException}
 * where it happens, a missing one shows in {@link #unreleased()}. Buffers are unpooled, so a
 * released one is freed at once and a use after release fails instead of reading recycled memory.
 */
public final class CountingAllocator extends AbstractByteBufAllocator {
    private final UnpooledByteBufAllocator delegate = new UnpooledByteBufAllocator(true, true);
    private final List<ByteBuf> handedOut = new ArrayList<>();
    private int failAfter = Integer.MAX_VALUE;

    public CountingAllocator() {
        super(true);
    }

    /** The next {@code n} allocations succeed, later ones throw (an allocation failure mid-encode). */
    public synchronized void failAfter(int n) {
        failAfter = n;
    }

    @Override
    protected synchronized ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return track(delegate.heapBuffer(initialCapacity, maxCapacity));
    }

    @Override
    protected synchronized ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return track(delegate.directBuffer(initialCapacity, maxCapacity));
    }

    private ByteBuf track(ByteBuf buf) {
        if (failAfter-- <= 0) {
            buf.release();
            throw new OutOfMemoryError("test allocator refuses an allocation");
        }
        handedOut.add(buf);
        return buf;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** Buffers handed out so far. */
    public synchronized int allocated() {
        return handedOut.size();
    }

    /** Buffers still referenced. */
    public synchronized long unreleased() {
        return handedOut.stream().filter(b -> b.refCnt() > 0).count();
    }
}
