package io.weir.bench.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

final class Dirs {
    private Dirs() {
    }

    /** Deletes a directory tree; a failure is reported on stderr, not thrown (used while cleaning up). */
    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    /**
     * Copies every {@code *.log} file under {@code from}, except in data directories (Kafka's segments),
     * to the same relative path under {@code to}, quietly.
     */
    static void copyLogs(Path from, Path to) {
        if (!Files.exists(from)) return;
        try (Stream<Path> s = Files.walk(from)) {
            // Not under a node's data/: Kafka's segments are *.log files too.
            s.filter(p -> p.getFileName().toString().endsWith(".log") && Files.isRegularFile(p)
                    && !from.relativize(p).toString().contains("data" + java.io.File.separator)).forEach(p -> {
                try {
                    Path target = to.resolve(from.relativize(p).toString());
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not copy the logs of " + from + ": " + e);
        }
    }
}
