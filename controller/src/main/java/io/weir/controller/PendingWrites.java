package io.weir.controller;

import io.weir.controller.record.MetadataRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The writes {@link QuorumController} decided, kept on its thread: those waiting to be appended,
 * in the order they were decided and taken out one batch at a time, and those appended and waiting
 * for their batch to be replayed on this node. When a write is answered is the controller's
 * business; this class only keeps them in order.
 */
final class PendingWrites {
    /** A decided write waiting to be appended. */
    record Write(String name, List<MetadataRecord> records, Runnable onCommitted, Consumer<Throwable> onFailure) {
    }

    private final ArrayDeque<Write> pending = new ArrayDeque<>();
    private final TreeMap<Long, List<Write>> waitingForReplay = new TreeMap<>();
    // Readable from any thread (stats).
    private volatile int pendingCount;

    /** Decided writes not yet appended. */
    int pendingCount() {
        return pendingCount;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    void add(Write write) {
        pending.add(write);
        pendingCount = pending.size();
    }

    /** {@code records} in consecutive parts of at most {@code maxRecords} each (one part if it fits). */
    static List<List<MetadataRecord>> split(List<MetadataRecord> records, int maxRecords) {
        if (records.size() <= maxRecords) {
            return List.of(records);
        }
        List<List<MetadataRecord>> parts = new ArrayList<>();
        for (int from = 0; from < records.size(); from += maxRecords) {
            parts.add(records.subList(from, Math.min(records.size(), from + maxRecords)));
        }
        return parts;
    }

    /** Takes the oldest writes, as many as fit in {@code maxRecords} records, and at least one. */
    List<Write> takeBatch(int maxRecords) {
        List<Write> writes = new ArrayList<>();
        int size = 0;
        while (!pending.isEmpty() && (writes.isEmpty()
            || size + pending.peekFirst().records().size() <= maxRecords)) {
            Write w = pending.pollFirst();
            size += w.records().size();
            writes.add(w);
        }
        pendingCount = pending.size();
        return writes;
    }

    /** Fails every write not yet appended. */
    void failPending(Throwable error) {
        List<Write> stale = new ArrayList<>(pending);
        pending.clear();
        pendingCount = 0;
        stale.forEach(w -> w.onFailure().accept(error));
    }

    /** Writes appended at {@code offset}: answered now if that batch is replayed, else once it is. */
    void whenReplayed(long offset, long committedOffset, List<Write> writes) {
        if (committedOffset >= offset) {
            writes.forEach(w -> w.onCommitted().run());
        } else {
            waitingForReplay.computeIfAbsent(offset, k -> new ArrayList<>()).addAll(writes);
        }
    }

    /** Answers the writes whose batch is at or below {@code committedOffset}. */
    void replayedUpTo(long committedOffset) {
        while (!waitingForReplay.isEmpty() && waitingForReplay.firstKey() <= committedOffset) {
            waitingForReplay.pollFirstEntry().getValue().forEach(w -> w.onCommitted().run());
        }
    }

    /** Fails every write waiting for its batch to be replayed. */
    void failWaiting(Throwable error) {
        waitingForReplay.values().forEach(writes -> writes.forEach(w -> w.onFailure().accept(error)));
        waitingForReplay.clear();
    }
}
