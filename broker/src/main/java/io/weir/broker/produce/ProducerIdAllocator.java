package io.weir.broker.produce;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.OptionalLong;

/**
 * Hands out producer ids for idempotent producers from blocks the controller allocates
 * (AllocateProducerIds): blocks are disjoint across the cluster and recorded in the metadata
 * log, so ids stay unique across brokers and restarts.
 *
 * <p>Fetching a block blocks the calling handler thread for at most the source's timeout, once
 * per block (1000 ids by default); if no block can be had the caller answers with a retriable
 * error.
 */
public final class ProducerIdAllocator {
    private static final Logger log = LoggerFactory.getLogger(ProducerIdAllocator.class);

    /** Where blocks come from: the active controller, for this broker's current epoch. */
    @FunctionalInterface
    public interface BlockSource {
        /** A block {@code [first, first + length)}, or throws when none can be had now. */
        long[] allocate() throws Exception;
    }

    private final BlockSource source;
    private long next;
    private long end;

    public ProducerIdAllocator(BlockSource source) {
        this.source = source;
    }

    /** The next producer id, or empty when the controller cannot hand out a block right now. */
    public synchronized OptionalLong next() {
        if (next >= end) {
            try {
                long[] block = source.allocate();
                if (block[1] <= 0 || block[0] < 0) throw new IllegalStateException("empty producer id block");
                next = block[0];
                end = block[0] + block[1];
                log.info("Producer id block [{}, {})", next, end);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return OptionalLong.empty();
            } catch (Exception e) {
                log.info("Cannot get a producer id block now: {}", e.toString());
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(next++);
    }
}
