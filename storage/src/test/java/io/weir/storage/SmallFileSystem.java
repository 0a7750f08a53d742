package io.weir.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;

/**
 * A size-limited tmpfs mounted for one test (root is needed, as in CI); unmounted on close. If
 * it cannot be mounted the test fails, saying why, rather than skipping silently. Mount it under
 * the test's {@code @TempDir}: closed first, it leaves an empty mount point for JUnit to delete.
 */
public final class SmallFileSystem implements AutoCloseable {
    private final Path mountPoint;
    /** Detaches the mount if the JVM exits before {@link #close} (a test run stopped with SIGTERM or Ctrl-C). */
    private final Thread detachOnExit;

    private SmallFileSystem(Path mountPoint) {
        this.mountPoint = mountPoint;
        this.detachOnExit = new Thread(() -> {
            try {
                run("umount", "-l", mountPoint.toString());
            } catch (IOException | InterruptedException e) {
                // The JVM is exiting: nothing more to do.
            }
        }, "small-file-system-detach");
        Runtime.getRuntime().addShutdownHook(detachOnExit);
    }

    public static SmallFileSystem mount(Path mountPoint, int megabytes) throws IOException, InterruptedException {
        Files.createDirectories(mountPoint);
        String out = run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", mountPoint.toString());
        if (out != null) {
            throw new AssertionError("This test needs a small file system and could not mount a " + megabytes
                    + " MiB tmpfs on " + mountPoint + " (it must run as root): " + out);
        }
        return new SmallFileSystem(mountPoint);
    }

    public Path root() {
        return mountPoint;
    }

    public long usableBytes() throws IOException {
        return Files.getFileStore(mountPoint).getUsableSpace();
    }

    /** Writes {@code bytes} of data (a tmpfs allocates pages only for bytes written). */
    public Path fill(String name, long bytes) throws IOException {
        Path file = mountPoint.resolve(name);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long left = bytes;
            while (left > 0) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), left));
                left -= ch.write(chunk);
            }
        }
        return file;
    }

    /** Writes until the file system is full. */
    public Path fillUp(String name) throws IOException {
        try {
            fill(name, Long.MAX_VALUE);
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
        return mountPoint.resolve(name);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(detachOnExit);
        } catch (IllegalStateException exiting) {
            // Closed while the JVM exits: the hook detaches it too, which is harmless after an unmount.
        }
        // Chronicle unmaps closed files on a background thread.
        BackgroundResourceReleaser.releasePendingResources();
        String out = run("umount", mountPoint.toString());
        for (int i = 0; out != null && i < 50; i++) {
            Thread.sleep(100);
            out = run("umount", mountPoint.toString());
        }
        if (out != null) {
            String holders = holders();
            // Something still holds a file open: detach it now, the kernel frees it when released,
            // and the mount point is an empty directory again that the test's @TempDir can delete.
            String detached = run("umount", "-l", mountPoint.toString());
            throw new AssertionError("umount " + mountPoint + " failed: " + out + "; held by this JVM: " + holders
                    + (detached == null ? "; detached it (umount -l)" : "; still mounted: " + detached));
        }
    }

    /** This JVM's open files and memory maps under the mount point. */
    private String holders() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.contains(mountPoint.toString())) {
                sb.append("\n  map ").append(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(mountPoint)) {
                        sb.append("\n  fd ").append(target);
                    }
                } catch (IOException ignored) {
                    // closed while listing
                }
            }
        }
        return sb.length() == 0 ? "nothing" : sb.toString();
    }

    /** @return null on success, else the command's output */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", command) + " timed out";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() == 0 ? null : String.join(" ", command) + " exited " + p.exitValue() + ": " + out;
    }
}
