package io.weir.metadata.quorum;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.MetadataImageSerde;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Snapshot files hold {@link MetadataImageSerde} bytes. Written to a temporary file and
 * renamed, so a crash never leaves a half-written snapshot under the final name.
 */
final class SnapshotFiles {
    private static final long MAX_SNAPSHOT_BYTES = 1L << 30;

    private final MetadataImageSerde serde = new MetadataImageSerde();

    void write(Path file, MetadataImage image) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, serde.encode(image));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    MetadataImage read(Path file) throws IOException {
        if (Files.size(file) > MAX_SNAPSHOT_BYTES) {
            throw new IOException("snapshot " + file + " is larger than " + MAX_SNAPSHOT_BYTES);
        }
        try {
            return serde.decode(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot read metadata snapshot " + file, e);
        }
    }
}
