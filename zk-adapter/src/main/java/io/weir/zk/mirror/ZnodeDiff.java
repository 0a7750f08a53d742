package io.weir.zk.mirror;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What to write to turn the znodes that are there into the ones wanted: pure. Writes come
 * parents first (by path depth), deletions children first, so every step is valid on its own;
 * each step is idempotent when applied (a write creates or overwrites, a deletion of a missing
 * znode is nothing), so a diff applied twice, or half-applied and planned again, converges.
 */
final class ZnodeDiff {
    private ZnodeDiff() {
    }

    /** One step: write {@code data} at {@code path}, or delete it ({@code data == null}). */
    record Step(String path, byte[] data) {
        boolean isDelete() {
            return data == null;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Step s && s.path.equals(path) && Arrays.equals(s.data, data);
        }

        @Override
        public int hashCode() {
            return path.hashCode() * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return (isDelete() ? "delete " : "write ") + path;
        }
    }

    /**
     * The steps from {@code present} to {@code wanted}; only paths that differ. {@code present}
     * lists the znodes the mirror owns (it never deletes what it did not list).
     */
    static List<Step> plan(Map<String, byte[]> present, Map<String, byte[]> wanted) {
        List<Step> writes = new ArrayList<>();
        for (Map.Entry<String, byte[]> w : wanted.entrySet()) {
            byte[] now = present.get(w.getKey());
            if (now == null || !Arrays.equals(now, w.getValue())) {
                writes.add(new Step(w.getKey(), w.getValue()));
            }
        }
        writes.sort(Comparator.comparingInt((Step s) -> depth(s.path())).thenComparing(Step::path));
        List<Step> deletes = new ArrayList<>();
        for (String path : present.keySet()) {
            if (!wanted.containsKey(path)) {
                deletes.add(new Step(path, null));
            }
        }
        deletes.sort(Comparator.comparingInt((Step s) -> depth(s.path())).reversed().thenComparing(Step::path));
        List<Step> steps = new ArrayList<>(writes);
        steps.addAll(deletes);
        return steps;
    }

    private static int depth(String path) {
        return (int) path.chars().filter(c -> c == '/').count();
    }
}
