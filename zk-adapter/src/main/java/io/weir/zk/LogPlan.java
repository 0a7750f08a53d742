package io.weir.zk;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The decisions about the log in ZooKeeper, free of I/O: which batches a node reads next, and
 * when the active controller stores a snapshot and what it deletes after one.
 *
 * <p>Offsets are dense: the active controller writes each batch at the offset after the last
 * one (and after a snapshot's offset, when the log before it is gone), and deletes only from
 * the oldest end. So a listing never has holes, and a node whose next offset is missing while
 * later ones exist has fallen behind the deletions: it needs the snapshot.
 */
final class LogPlan {
    private LogPlan() {
    }

    /**
     * Whether a node that delivered up to {@code delivered} must look at the snapshot first:
     * when it starts (a snapshot is the quickest way in, and its log may be gone) or when the
     * batch it needs next was deleted.
     */
    static boolean needsSnapshot(long delivered, List<Long> sortedOffsets) {
        if (delivered < 0) {
            return true;
        }
        for (long o : sortedOffsets) {
            if (o > delivered) {
                return o > delivered + 1;
            }
        }
        return false;
    }

    /** The offsets after {@code from} to read, in order: the run from+1, from+2, ... (at most max). */
    static List<Long> toRead(long from, List<Long> sortedOffsets, int max) {
        List<Long> read = new ArrayList<>();
        long next = from + 1;
        for (long o : sortedOffsets) {
            if (o < next) {
                continue;
            }
            if (o != next || read.size() == max) {
                break;
            }
            read.add(o);
            next++;
        }
        return read;
    }

    /**
     * Whether the active controller, having delivered up to {@code delivered}, stores a new
     * snapshot: once {@code every} batches have passed since the newest one ({@code -1}: none).
     */
    static boolean snapshotDue(long delivered, long latestSnapshot, long every) {
        return delivered >= 0 && delivered - latestSnapshot >= every;
    }

    /**
     * What to delete once a snapshot at {@code newSnapshot} is stored, oldest first, at most
     * {@code max} paths: log batches up to the previous snapshot (the batches since then stay,
     * so a node a little behind replays them rather than loading a whole image), older
     * snapshots, and the chunks of both (chunks of failed writes included).
     */
    static List<String> deletions(long newSnapshot, List<Long> snapshots, List<Long> logOffsets,
                                  List<String> chunkNames, int max) {
        long previous = snapshots.stream().filter(s -> s < newSnapshot).mapToLong(Long::longValue).max()
            .orElse(-1);
        List<String> paths = new ArrayList<>();
        logOffsets.stream().filter(o -> o <= previous).sorted()
            .forEach(o -> paths.add(Znodes.head(Znodes.Kind.LOG, o)));
        snapshots.stream().filter(s -> s < newSnapshot).sorted()
            .forEach(s -> paths.add(Znodes.head(Znodes.Kind.SNAPSHOT, s)));
        for (String name : chunkNames) {
            Optional<Znodes.ChunkName> c = Znodes.ChunkName.parse(name);
            if (c.isEmpty()) {
                continue;
            }
            boolean stale = c.get().kind() == Znodes.Kind.LOG ? c.get().offset() <= previous
                : c.get().offset() < newSnapshot;
            if (stale) {
                paths.add(Znodes.CHUNKS + "/" + name);
            }
        }
        return paths.size() <= max ? paths : List.copyOf(paths.subList(0, max));
    }
}
