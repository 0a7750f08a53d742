package io.weir.broker.node;

import io.weir.storage.DiskSpace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Space kept for the metadata log. The Ratis log lives in the same data directory as the
 * partitions ({@code <data.dir>/metadata}); when something else fills the file system, a
 * leader that cannot write its first entry never becomes the active controller, so the node
 * answers NOT_CONTROLLER for ever. This keeps a file of {@value #BYTES} bytes (a Ratis segment)
 * in the data directory while there is room, and deletes it when the file system is nearly full
 * (at start, before Ratis opens its log, and whenever {@link #check()} runs), so the metadata
 * log has that much to write into. It is written again once the partitions' guard would resume
 * appends with it in place.
 */
final class MetadataHeadroom {
    private static final Logger log = LoggerFactory.getLogger(MetadataHeadroom.class);
    /** One Ratis log segment ({@code RatisConfig}'s 8 MiB), enough for registrations and ISR changes for a long while. */
    static final long BYTES = 8L << 20;
    static final String FILE_NAME = "metadata-headroom";

    private final Path file;
    private final DiskSpace.UsableSpace usable;
    /** Write the file back only when this much is usable, so that partitions can still append after it. */
    private final long refillAboveBytes;

    MetadataHeadroom(Path dataDir, DiskSpace.UsableSpace usable, long reservedBytes) {
        this.file = dataDir.resolve(FILE_NAME);
        this.usable = usable;
        this.refillAboveBytes = BYTES + reservedBytes + reservedBytes * 25 / 100 + BYTES;
    }

    /** Releases the headroom if the file system is nearly full, or writes it if there is plenty of room. */
    synchronized void check() {
        try {
            long free = usable.usableBytes();
            boolean present = Files.exists(file);
            if (present && free < BYTES) {
                Files.delete(file);
                log.warn("The file system of {} has {} bytes usable: released the {} bytes kept for the metadata log",
                        file.getParent(), free, BYTES);
            } else if (!present && free >= refillAboveBytes) {
                write();
                log.info("Keeping {} bytes for the metadata log in {} again", BYTES, file);
            }
        } catch (IOException e) {
            log.warn("Cannot check the metadata log's headroom {}: {}", file, e.toString());
            try {
                Files.deleteIfExists(file); // whatever was written of it
            } catch (IOException ignored) {
                // checked again next time
            }
        }
    }

    /**
     * Waits, before anything starts, until the file system has {@value #MIN_START_BYTES} bytes
     * usable (releasing this headroom first if that helps): on a file system with no byte left,
     * Ratis cannot even write its lock file and the node would exit. Instead it waits, logging
     * once a minute, and starts by itself as soon as space is freed.
     */
    void awaitRoomToStart() throws IOException, InterruptedException {
        check();
        long lastLogged = 0;
        for (int attempt = 1; usable.usableBytes() < MIN_START_BYTES; attempt++) {
            long now = System.nanoTime();
            if (attempt == 1 || now - lastLogged >= TimeUnit.MINUTES.toNanos(1)) {
                lastLogged = now;
                log.warn("The file system of {} has {} bytes usable, too few to start the metadata log; waiting for"
                        + " {} bytes (checked every {} ms)", file.getParent(), usable.usableBytes(), MIN_START_BYTES,
                        START_RETRY_MS);
            }
            Thread.sleep(START_RETRY_MS);
            check();
        }
    }

    /** Enough for Ratis to start: its lock file, its term and vote, a log segment's first megabyte. */
    static final long MIN_START_BYTES = 2L << 20;
    static final long START_RETRY_MS = 2_000;

    private void write() throws IOException {
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            // Real bytes, not a sparse length: the point is to hold blocks.
            ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
            for (long written = 0; written < BYTES; ) {
                zeros.clear();
                written += ch.write(zeros);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
