package io.weir.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Replaces a small file so that after a crash, power loss included, it holds either its
 * old content or its new content, never a mix or nothing: write a temporary file in the
 * same directory, fsync it, rename it over the target (atomic within one file system),
 * then fsync the directory so the rename itself is durable.
 *
 * <p>The temporary file is {@code <name>.tmp}; a crash may leave it behind and the next
 * write replaces it. Callers serialise writes to one target (two writers would share the
 * temporary file).
 */
public final class AtomicFile {
    private static final boolean DIRECTORY_FSYNC_SUPPORTED =
            !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private AtomicFile() {
    }

    /** Atomically replaces (or creates) {@code target} with {@code text} in UTF-8. */
    public static void writeUtf8(Path target, CharSequence text) {
        write(target, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Atomically replaces (or creates) {@code target} with {@code content}, durably: when this
     * returns, a crash cannot bring back the old content.
     *
     * @throws UncheckedIOException if any step fails; the target then still holds its old content
     */
    public static void write(Path target, byte[] content) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + absolute, e);
        }
    }

    /** Makes a rename or create in {@code dir} durable; Linux needs the directory itself fsynced for that. */
    static void forceDirectory(Path dir) throws IOException {
        fsyncDirectory(dir);
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        if (!DIRECTORY_FSYNC_SUPPORTED) {
            return; // Windows cannot open a directory as a channel; NTFS journals the rename itself.
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
