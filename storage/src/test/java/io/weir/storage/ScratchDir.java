package io.weir.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;

/**
 * A temporary directory for one property try (jqwik has no {@code @TempDir}), deleted on close even
 * when the try failed: open it as the outer resource, so a log that fails to close does not keep it.
 */
final class ScratchDir implements AutoCloseable {
    private static final int DELETE_ATTEMPTS = 5;

    private final Path path;

    private ScratchDir(Path path) {
        this.path = path;
    }

    static ScratchDir create(String prefix) throws IOException {
        return new ScratchDir(Files.createTempDirectory(prefix));
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                Dirs.deleteRecursively(path);
                return;
            } catch (UncheckedIOException e) {
                if (attempt == DELETE_ATTEMPTS) {
                    throw e;
                }
                // Chronicle releases closed files on a background thread; a file may still be held.
                BackgroundResourceReleaser.releasePendingResources();
                Thread.sleep(50L * attempt);
            }
        }
    }
}
