package io.weir.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small, durable side of a partition log, kept beside its Chronicle Queue in
 * {@value #FILE_NAME} and replaced atomically through {@link AtomicFile}:
 * <ul>
 *   <li>{@code generation}: the queue directory in use ({@code queue-<generation>}); a full
 *       truncation starts a new one;</li>
 *   <li>{@code logStartOffset}, {@code highWatermark} (checkpoint), and
 *       {@code nextOffsetFloor}, the log end offset to use when no live batch is left;</li>
 *   <li>{@code dead}: ranges of Chronicle indexes holding batches removed by truncation
 *       (Chronicle is append-only, so truncation marks rather than erases);</li>
 *   <li>{@code epochs}: the leader-epoch cache;</li>
 *   <li>{@code cleanedTo}: the log cleaner's checkpoint, the first offset no compaction has
 *       cleaned yet (absent in files written before compaction existed: 0).</li>
 * </ul>
 * A plain text format, so an operator can read it.
 */
record PartitionState(
        long generation,
        long logStartOffset,
        long nextOffsetFloor,
        long highWatermark,
        List<long[]> deadRanges,
        List<LeaderEpochCache.Entry> epochs,
        long cleanedTo) {

    static final String FILE_NAME = "partition.state";
    private static final int VERSION = 1;

    static PartitionState initial() {
        return new PartitionState(0, 0, 0, 0, List.of(), List.of(), 0);
    }

    static PartitionState readOrInitial(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return initial();
        }
        try {
            Map<String, String> kv = new LinkedHashMap<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            int version = Integer.parseInt(kv.getOrDefault("version", "-1"));
            if (version != VERSION) {
                throw new IllegalStateException("Unsupported " + file + " version " + version);
            }
            List<long[]> dead = new ArrayList<>();
            for (String pair : split(kv.get("dead"))) {
                String[] p = pair.split(":");
                dead.add(new long[] {Long.parseLong(p[0]), Long.parseLong(p[1])});
            }
            List<LeaderEpochCache.Entry> epochs = new ArrayList<>();
            for (String pair : split(kv.get("epochs"))) {
                String[] p = pair.split(":");
                epochs.add(new LeaderEpochCache.Entry(Integer.parseInt(p[0]), Long.parseLong(p[1])));
            }
            return new PartitionState(
                    Long.parseLong(kv.get("generation")),
                    Long.parseLong(kv.get("logStartOffset")),
                    Long.parseLong(kv.get("nextOffsetFloor")),
                    Long.parseLong(kv.get("highWatermark")),
                    List.copyOf(dead),
                    List.copyOf(epochs),
                    Long.parseLong(kv.getOrDefault("cleanedTo", "0")));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Corrupt partition state file " + file, e);
        }
    }

    void write(Path dir) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("version=").append(VERSION).append('\n');
        sb.append("generation=").append(generation).append('\n');
        sb.append("logStartOffset=").append(logStartOffset).append('\n');
        sb.append("nextOffsetFloor=").append(nextOffsetFloor).append('\n');
        sb.append("highWatermark=").append(highWatermark).append('\n');
        sb.append("dead=");
        for (int i = 0; i < deadRanges.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(deadRanges.get(i)[0]).append(':').append(deadRanges.get(i)[1]);
        }
        sb.append('\n').append("epochs=");
        for (int i = 0; i < epochs.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(epochs.get(i).epoch()).append(':').append(epochs.get(i).startOffset());
        }
        sb.append('\n').append("cleanedTo=").append(cleanedTo).append('\n');
        AtomicFile.writeUtf8(dir.resolve(FILE_NAME), sb);
    }

    private static String[] split(String value) {
        return value == null || value.isEmpty() ? new String[0] : value.split(",");
    }
}
